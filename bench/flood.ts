/**
 * `npm run bench:flood`: what one user's abuse costs everyone else, measured from a bystander's side.
 *   render    one user sends 34 expensive variant requests at once (a 50-frame 16×16 GIF rendered to
 *             4096×4096 animated GIF); another user meanwhile asks for fresh thumbnails of a photo and
 *             for the photo itself through its signed link
 *   heavy     the same with 34 renders the cost check allows (3000-wide AVIFs of a 12-megapixel photo)
 *   password  32 concurrent wrong `old_password` guesses on /me/password/ and 32 logins of random
 *             usernames, each from another address (X-Forwarded-For, as behind a proxy: run with the
 *             deployment's TRUST_PROXY); another user, from its own address, logs in and fetches an image
 * Prints the bystander's latencies (p50/p99) and statuses; docs/reliability.md quotes them.
 *   npm run bench:flood -- [render|password] [--seconds N] [--env KEY=VALUE ...]
 */
import sharp from 'sharp';
import {
  fixture,
  median,
  noisyJpeg,
  percentile,
  register,
  startServerProcess,
  TEST_SECRET,
  upload,
  type ServerProcess,
} from '../testkit/index.js';
import { benchArgs, positive, printRows } from './lib.js';

const { values: options, positionals } = benchArgs({ seconds: { type: 'string' }, env: { type: 'string', multiple: true } });
const seconds = positive(options.seconds, 'seconds', 30);
const extraEnv = Object.fromEntries((options.env ?? []).map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]));
const scenarios = positionals.length > 0 ? positionals : ['render', 'heavy', 'password'];

interface Sample {
  ms: number;
  status: number;
}

async function timed(url: string, init: RequestInit = {}): Promise<Sample> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
    await response.arrayBuffer();
    return { ms: performance.now() - started, status: response.status };
  } catch {
    return { ms: performance.now() - started, status: 0 };
  }
}

function summary(name: string, samples: Sample[]): [string, string] {
  const ms = samples.map((sample) => sample.ms);
  const statuses = new Map<number, number>();
  for (const sample of samples) statuses.set(sample.status, (statuses.get(sample.status) ?? 0) + 1);
  const counts = [...statuses].map(([status, count]) => `${count}×${status}`).join(' ');
  const figures = `p50 ${median(ms).toFixed(0)} ms, p99 ${percentile(ms, 0.99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`;
  return [name, `n=${samples.length} ${figures} (${counts})`];
}

/** Runs `step` in a loop until the deadline, one at a time; returns every sample. */
async function loop(deadline: number, step: (i: number) => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; Date.now() < deadline; i++) samples.push(await step(i));
  return samples;
}

async function withServer<T>(run: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServerProcess({ SECRET_KEY: TEST_SECRET, ...extraEnv });
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

/**
 * One user floods, another meanwhile asks for fresh thumbnails and the original. `heavy`: renders
 * within the cost budget (34 distinct 3000-wide AVIFs of a 12-megapixel photo) instead of the
 * reported enlargement bomb, so that fair scheduling rather than the cost check is what is measured.
 */
async function renderFlood(heavy = false): Promise<[string, string][]> {
  return withServer(async ({ base }) => {
    const attacker = await register(base);
    const victim = await register(base);
    const frames = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i * 5, g: 100, b: 200 - i * 3 } } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const bomb = (await upload(base, attacker, heavy ? await noisyJpeg(4000, 3000) : gif, { filename: heavy ? 'big.jpg' : 'bomb.gif' }))
      .body;
    const attackQuery = (q: number) => (heavy ? `w=3000&format=avif&q=${q}` : `w=4096&h=4096&fit=fill&enlarge=true&format=gif&q=${q}`);
    const photo = (await upload(base, victim, fixture('Landscape_3.jpg'))).body;
    const auth = (token: string) => ({ headers: { authorization: `Token ${token}` } });
    const attack = new AbortController();
    const flood = Array.from({ length: 34 }, (_, q) =>
      fetch(`${base}/images/${bomb.id}/content?${attackQuery(q + 1)}`, {
        ...auth(attacker),
        signal: attack.signal,
      }).then(
        (response) => response.status,
        () => 0,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const deadline = Date.now() + seconds * 1000;
    const [thumbnails, originals] = await Promise.all([
      loop(deadline, (i) => timed(`${base}/images/${photo.id}/content?w=${120 + i}&h=120&fit=cover&format=webp`, auth(victim))),
      loop(deadline, () => timed(photo.url)),
    ]);
    attack.abort();
    const statuses = await Promise.all(flood);
    const tally = new Map<number, number>();
    for (const status of statuses) tally.set(status, (tally.get(status) ?? 0) + 1);
    const name = heavy ? 'heavy render flood' : 'render flood';
    return [
      [`${name}: attacker answers (0 = still running when the window closed)`, [...tally].map(([s, n]) => `${n}×${s}`).join(' ')],
      summary(`${name}: another user's fresh thumbnails`, thumbnails),
      summary(`${name}: another user's original through its signed link`, originals),
    ];
  });
}

async function passwordFlood(): Promise<[string, string][]> {
  return withServer(async ({ base }) => {
    const attacker = await register(base);
    const victimName = `victim${Date.now()}`;
    const victim = await register(base, victimName);
    const photo = (await upload(base, victim, fixture('tiny-2x2.png'))).body;
    const deadline = Date.now() + seconds * 1000;
    const json = (body: unknown, token?: string, from = '198.51.100.1') => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...(token ? { authorization: `Token ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const bystander = '203.0.113.7';
    const guesses = Array.from({ length: 32 }, (_, worker) =>
      loop(deadline, (i) =>
        timed(`${base}/me/password/`, json({ old_password: `guess-${worker}-${i}`, new_password: 'another passphrase' }, attacker)),
      ),
    );
    const logins = Array.from({ length: 32 }, (_, worker) =>
      loop(deadline, (i) =>
        timed(`${base}/api-token-auth/`, {
          ...json({ username: `nobody-${worker}-${i}`, password: 'wrong password' }),
          // Each attempt from another address (documentation ranges: header values only, never connected to).
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${(worker * 7 + i) % 250}` },
        }),
      ),
    );
    // A person logs in now and then (one every 2 s stays within the per-address limit of 20 a minute).
    const victimLogin = loop(deadline, async () => {
      const sample = await timed(
        `${base}/api-token-auth/`,
        json({ username: victimName, password: 'correct horse battery' }, undefined, bystander),
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return sample;
    });
    const victimRead = loop(deadline, () =>
      timed(`${base}/images/${photo.id}/content`, { headers: { authorization: `Token ${victim}`, 'x-forwarded-for': bystander } }),
    );
    const [guessed, tried, login, read] = await Promise.all([Promise.all(guesses), Promise.all(logins), victimLogin, victimRead]);
    return [
      summary('password flood: wrong old_password guesses (32 at once)', guessed.flat()),
      summary('password flood: logins of random usernames (32 at once)', tried.flat()),
      summary("password flood: another user's login", login),
      summary("password flood: another user's image read", read),
    ];
  });
}

const rows: [string, string][] = [];
for (const scenario of scenarios) {
  if (scenario === 'render') rows.push(...(await renderFlood()));
  else if (scenario === 'heavy') rows.push(...(await renderFlood(true)));
  else if (scenario === 'password') rows.push(...(await passwordFlood()));
  else throw new Error(`unknown scenario ${scenario} (render, heavy, password)`);
}
console.log(`${new Date().toISOString()} · ${seconds} s per scenario · env ${JSON.stringify(extraEnv)}`);
printRows(rows);
