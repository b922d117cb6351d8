#!/usr/bin/env node
// Replays the Dockerfile without a Docker engine (none runs where this project is tested): every
// stage's WORKDIR, COPY, ENV and RUN in a clean folder, from a build context made by .dockerignore,
// as the Dockerfile's USER from that line on (setpriv; run as root, as CI does), then its CMD, with
// its HEALTHCHECK polled until it passes; then checks /readyz, one registration and one upload, and
// that SIGTERM stops the server with exit code 0. The base image (node:<major>-…) is stood in for by
// the pinned official Node binary of that major version.
//   node scripts/docker-replay.mjs [--keep]
// Differences from a container, by necessity: the folders are under a temporary directory (paths that
// a stage declares as WORKDIR or VOLUME are mapped into it), the server listens on 127.0.0.1 and a
// free port instead of HOST/PORT, and the network is the host's.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PINNED, pinnedNodeBin } from './node-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');

/** The Dockerfile's instructions: continuation lines joined, comments dropped. */
function instructions(text) {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line);
      return { keyword: keyword.toUpperCase(), rest };
    });
}

/** KEY=value pairs of an ENV line (no quoting is used in this Dockerfile). */
function envPairs(rest) {
  return Object.fromEntries(rest.split(/\s+/).map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
}

function fail(message) {
  console.error(`docker replay: ${message}`);
  process.exit(1);
}

function run(command, args, options) {
  console.log(`  $ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) fail(`exit ${result.status ?? result.signal}: ${[command, ...args].join(' ')}`);
}

const work = mkdtempSync(join(tmpdir(), 'image-api-docker-'));
// The runtime user must be able to reach its files.
chmodSync(work, 0o755);

// The build context: the project minus .dockerignore's entries (top-level names, as written there).
const ignored = new Set(
  readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);
const context = join(work, 'context');
cpSync(root, context, {
  recursive: true,
  filter: (source) => {
    const relative = source.slice(root.length + 1);
    return relative === '' || (!ignored.has(relative.split('/')[0]) && !ignored.has(relative));
  },
});

const steps = instructions(readFileSync(join(root, 'Dockerfile'), 'utf8'));
// Every folder the image declares (WORKDIR, VOLUME), mapped into the stage's root wherever a command
// names it, from the first step on: `RUN mkdir -p /data` must never touch this host's /data.
const declaredFolders = steps
  .filter(({ keyword }) => keyword === 'WORKDIR' || keyword === 'VOLUME')
  .flatMap(({ rest }) => rest.split(/\s+/))
  .filter((folder) => isAbsolute(folder));
// Downloads are shared by the stages and kept inside the replay, which a RUN may clean as it likes.
const npmCache = join(work, 'npm-cache');
const stages = new Map();
let stage = null;
let runtime = null;

function mapPath(path) {
  return isAbsolute(path) ? join(stage.root, path) : join(stage.cwd, path);
}

/** A RUN or CMD word or command line with the stage's absolute folders mapped into its root. */
function mapCommand(text) {
  return stage.folders.reduce(
    (mapped, folder) => mapped.replace(new RegExp(`(?<![\\w/.-])${folder}(?=[/\\s]|$)`, 'g'), join(stage.root, folder)),
    text,
  );
}

function asUser(command, args) {
  if (!stage.user) return [command, args];
  const [uid, gid = uid] = stage.user.split(':');
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) fail(`USER ${stage.user}: give numeric ids`);
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', command, ...args]];
}

/** What reaches the registry from this host (certificates, proxies, npm's settings), as a build host's engine would. */
const hostNetworkEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => /^(NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|(HTTPS?|NO)_PROXY|npm_config_.*)$/i.test(name)),
);

function stageEnv() {
  return {
    ...hostNetworkEnv,
    npm_config_cache: npmCache,
    ...stage.env,
    PATH: `${stage.nodeBin}:/usr/bin:/bin`,
    HOME: stage.user ? stage.root : process.env.HOME,
  };
}

for (const { keyword, rest } of steps) {
  if (keyword === 'FROM') {
    const [image, , name] = rest.split(/\s+/);
    const major = /^node:(\d+)/.exec(image)?.[1];
    if (!major) fail(`FROM ${image}: only node:<major>… base images can be stood in for`);
    const stageRoot = join(work, `stage-${stages.size}`);
    // The base image's node, where any user can run it (the cache folder may be private to root).
    const nodeBin = join(stageRoot, 'usr', 'local', 'bin');
    mkdirSync(nodeBin, { recursive: true });
    copyFileSync(join(pinnedNodeBin(Number(major)), 'node'), join(nodeBin, 'node'));
    chmodSync(nodeBin, 0o755);
    chmodSync(join(nodeBin, 'node'), 0o755);
    // npm comes with the base image; here the machine's npm runs on the stage's node.
    stage = {
      root: stageRoot,
      cwd: stageRoot,
      env: {},
      user: null,
      folders: declaredFolders,
      nodeBin: `${nodeBin}:${dirname(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim())}`,
    };
    for (const folder of [stageRoot, join(stageRoot, 'usr'), join(stageRoot, 'usr', 'local')]) chmodSync(folder, 0o755);
    stages.set(name ?? String(stages.size), stage);
    runtime = stage;
    console.log(`== FROM ${image} (standing in: the official Node ${PINNED[major]} binary)`);
  } else if (keyword === 'WORKDIR') {
    stage.cwd = mapPath(rest);
    mkdirSync(stage.cwd, { recursive: true });
    chmodSync(stage.cwd, 0o755);
  } else if (keyword === 'ENV') {
    Object.assign(stage.env, envPairs(rest));
  } else if (keyword === 'COPY') {
    const words = rest.split(/\s+/);
    const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((word) => !word.startsWith('--'));
    const destination = paths.pop();
    const source = from ? stages.get(from) : null;
    if (from && !source) fail(`COPY --from=${from}: no such stage`);
    for (const path of paths) {
      const origin = source ? join(source.root, path) : join(context, path);
      if (!existsSync(origin)) fail(`COPY ${path}: not in the ${source ? `stage ${from}` : 'build context'}`);
      const target = destination.endsWith('/') ? join(mapPath(destination), basename(path)) : mapPath(destination);
      console.log(`  COPY ${path} -> ${destination}`);
      cpSync(origin, path === '.' ? mapPath(destination) : target, { recursive: true });
    }
  } else if (keyword === 'RUN') {
    const [command, args] = asUser('sh', ['-c', mapCommand(rest)]);
    run(command, args, { cwd: stage.cwd, env: stageEnv() });
  } else if (keyword === 'USER') {
    stage.user = rest;
  } else if (keyword === 'VOLUME') {
    // Mapped from the start (declaredFolders).
  } else if (keyword === 'HEALTHCHECK') {
    stage.healthcheck = /\bCMD\s+(.*)$/.exec(rest)?.[1];
  } else if (keyword === 'CMD') {
    stage.cmd = JSON.parse(rest);
  } else if (!['EXPOSE', 'STOPSIGNAL'].includes(keyword)) {
    fail(`${keyword}: not replayed by this script`);
  }
}

stage = runtime;
if (!stage.cmd) fail('the last stage has no CMD');
if (!stage.healthcheck) fail('the last stage has no HEALTHCHECK');
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const env = {
  ...stageEnv(),
  HOST: '127.0.0.1',
  PORT: String(port),
  DATA_DIR: stage.env.DATA_DIR ? mapPath(stage.env.DATA_DIR) : join(stage.root, 'data'),
};
const [command, args] = asUser(stage.cmd[0], stage.cmd.slice(1).map(mapCommand));
console.log(`== CMD ${stage.cmd.join(' ')} (as ${stage.user ?? 'root'}, port ${port})`);
const server = spawn(command, args, { cwd: stage.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
server.stdout.on('data', (chunk) => (log += chunk));
server.stderr.on('data', (chunk) => (log += chunk));
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve(code ?? signal)));

function storedFiles(dataDir) {
  const storage = join(dataDir, 'storage');
  return existsSync(storage) ? readdirSync(storage, { recursive: true }).filter((name) => /[0-9a-f]{64}/.test(String(name))) : [];
}

async function cleanUp(code) {
  server.kill('SIGKILL');
  if (!keep) rmSync(work, { recursive: true, force: true });
  process.exit(code);
}

const [healthCommand, healthArgs] = asUser('sh', ['-c', stage.healthcheck]);
let healthy = false;
// The HEALTHCHECK's start period is 20 s; a busy CI machine gets three times that.
const deadline = Date.now() + 60_000;
while (!healthy && Date.now() < deadline) {
  healthy = spawnSync(healthCommand, healthArgs, { cwd: stage.cwd, env }).status === 0;
  if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
}
if (!healthy) {
  console.error(`docker replay: the HEALTHCHECK never passed\n${log}`);
  await cleanUp(1);
}
const base = `http://127.0.0.1:${port}`;
const ready = await fetch(`${base}/readyz`);
const registered = await fetch(`${base}/register/`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'replay', password: 'a long enough passphrase 42' }),
});
const { token } = await registered.json();
const photo = readFileSync(join(root, 'docs', 'examples', 'sunset.jpg'));
const uploaded = await fetch(`${base}/images/?filename=sunset.jpg`, {
  method: 'POST',
  headers: { authorization: `Token ${token}`, 'content-type': 'image/jpeg' },
  body: photo,
});
server.kill('SIGTERM');
const code = await exited;
const checks = [
  ['/readyz answers 200', ready.status === 200],
  ['registration answers 201', registered.status === 201],
  ['an upload answers 201', uploaded.status === 201],
  ['its bytes are in the data volume', storedFiles(env.DATA_DIR).length > 0],
  ['SIGTERM stops the server with exit code 0', code === 0],
];
for (const [what, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
if (checks.some(([, ok]) => !ok)) {
  console.error(log);
  await cleanUp(1);
}
console.log('docker replay: the image builds, starts as its user, passes its health check and stops cleanly');
await cleanUp(0);
