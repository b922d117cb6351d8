import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { variablesOf } from '../scripts/env-example.js';
import { shippedNginxConfig } from '../testkit/index.js';

const ROOT = join(import.meta.dirname, '..');

/** `docker compose` (v2) where the plugin is installed, else Debian's docker-compose (1.29): both read compose.yaml. */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return null;
}
const compose = composeCommand();
// Under CI the tool's absence is a failure, not a skip (.ci/run installs Debian's docker-compose).
const composeMissing = !compose && !process.env.CI ? 'no docker compose / docker-compose (apt-get install docker-compose)' : false;

function composeConfig(env: Record<string, string>) {
  const [command, ...args] = compose ?? ['docker', 'compose'];
  return spawnSync(command!, [...args, '-f', join(ROOT, 'compose.yaml'), 'config'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
}

describe('packaging', () => {
  test(
    'compose.yaml parses, refuses to start without SECRET_KEY, and sets only variables the server reads',
    { skip: composeMissing },
    async () => {
      const refused = composeConfig({});
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /SECRET_KEY/);

      const parsed = composeConfig({ SECRET_KEY: 'a'.repeat(64) });
      assert.equal(parsed.status, 0, parsed.stderr);
      const services = [...parsed.stdout.matchAll(/^ {2}([a-z0-9]+):$/gm)].map((match) => match[1]);
      assert.deepEqual(services.sort(), ['api1', 'api2', 'bucket', 'minio', 'nginx', 'postgres', 'redis']);

      // Every variable given to the instances is one that src/config.ts reads (AWS_* go to the SDK through it).
      const known = new Set(variablesOf(await readFile(join(ROOT, 'src', 'config.ts'), 'utf8')).map((variable) => variable.name));
      const instance = /^ {2}api1:\n([\s\S]*?)^ {2}\S/m.exec(parsed.stdout)?.[1] ?? '';
      const environment = /^ {4}environment:\n((?: {6}.*\n)+)/m.exec(instance)?.[1] ?? '';
      const names = [...environment.matchAll(/^ {6}([A-Z0-9_]+):/gm)].map((match) => match[1]!);
      assert.ok(names.length >= 10, environment);
      assert.deepEqual(
        names.filter((name) => !known.has(name)),
        [],
      );
      assert.match(environment, /SECRET_KEY: a{64}/);
    },
  );

  test('the nginx template is rendered by its script from the instances given, and nothing else of it changes', () => {
    const config = shippedNginxConfig({
      instances: ['10.1.2.3:8000', 'api2:8000', '[::1]:8001'],
      listen: '8080',
      files: '/srv/data/storage/',
    });
    assert.match(config, /^ {8}server 10\.1\.2\.3:8000 max_fails=2 fail_timeout=5s;\n {8}server api2:8000 .*\n {8}server \[::1\]:8001 /m);
    assert.match(config, /^ {8}listen 8080;$/m);
    assert.match(config, /alias \/srv\/data\/storage\/;/);
    assert.doesNotMatch(config, /\$\{IMAGE_API/, 'every variable is filled in');
    // nginx's own variables are left for nginx.
    assert.match(config, /proxy_set_header X-Forwarded-For \$remote_addr;/);
    assert.match(config, /proxy_next_upstream error timeout;/);
    assert.doesNotMatch(config, /proxy_next_upstream[^;]*http_503/, "an instance's 503 goes to the client");

    const none = spawnSync(join(ROOT, 'deploy', 'nginx-render.sh'), {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, IMAGE_API_INSTANCES: ' ' },
    });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /IMAGE_API_INSTANCES names no instance/);
  });

  test('the Dockerfile builds on Node 24, installs without dev dependencies, runs as a non-root user with a health check', async () => {
    // scripts/docker-replay.mjs (a CI step) runs it; this names what the image must keep.
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    assert.ok(froms.length >= 2 && froms.every((image) => image!.startsWith('node:24-')), froms.join(', '));
    assert.match(dockerfile, /^RUN npm ci --omit=dev/m);
    assert.match(dockerfile, /^USER [1-9]\d*:[1-9]\d*$/m);
    assert.match(dockerfile, /^VOLUME \/data$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\/healthz/m);
    assert.match(dockerfile, /^CMD \["node", "dist\/bundle\/server\.js"\]$/m);
    assert.ok(existsSync(join(ROOT, '.dockerignore')));
    assert.match(await readFile(join(ROOT, '.ci', 'run'), 'utf8'), /scripts\/docker-replay\.mjs/);
  });

  test('the systemd unit starts the built server as its own user with the environment file', async () => {
    const unit = await readFile(join(ROOT, 'deploy', 'image-api.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/image-api\/dist\/bundle\/server\.js$/m);
    assert.match(unit, /^EnvironmentFile=\/etc\/image-api\/env$/m);
    assert.match(unit, /^User=image-api$/m);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
    const verify = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy', 'image-api.service')], { encoding: 'utf8' });
    // systemd-analyze is not on every machine; where it is, the unit's syntax must pass (missing paths aside).
    if (verify.error === undefined) assert.doesNotMatch(verify.stderr, /Unknown (key|section)|Failed to parse/, verify.stderr);
  });
});

test('every relative link in the README and docs/ points at a file of the repository', async () => {
  const pages = ['README.md', ...(await readdir(join(ROOT, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  const broken: string[] = [];
  for (const page of pages) {
    const text = await readFile(join(ROOT, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
      const file = resolve(dirname(join(ROOT, page)), target!.split('#')[0]!);
      if (!file.startsWith(`${ROOT}/`) || !existsSync(file)) broken.push(`${page}: ${target}`);
    }
  }
  assert.ok(pages.length > 5);
  assert.deepEqual(broken, []);
});
