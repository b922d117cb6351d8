#!/usr/bin/env node
// `npm test`: every suite of test/suites.json on SQLite + local files, and the `bothBackends` ones
// again on PostgreSQL + S3 + Redis (TEST_BACKEND=postgres), in one `node --test` run.
//   npm test                        everything
//   npm test -- images media        those suites (on each backend they run on)
//   npm test -- --sqlite | --postgres   one backend only
//   npm test -- --test-name-pattern=…   any other flag goes to node --test
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from './ensure-built.mjs';
import { ensureSupportedNode } from './node-runtime.mjs';

await ensureSupportedNode();

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');
const suites = JSON.parse(readFileSync(join(testDir, 'suites.json'), 'utf8'));
const listed = [...suites.bothBackends, ...suites.once];
const present = readdirSync(testDir)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => name.slice(0, -'.test.ts'.length));
const unlisted = present.filter((name) => !listed.includes(name));
const missing = listed.filter((name) => !present.includes(name));
const twice = listed.filter((name, index) => listed.indexOf(name) !== index);
if (unlisted.length + missing.length + twice.length > 0) {
  console.error(
    `test/suites.json is out of date: unlisted ${unlisted.join(', ') || '-'}; missing ${missing.join(', ') || '-'}; ` +
      `listed twice ${twice.join(', ') || '-'}`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const names = args.filter((arg) => !arg.startsWith('-'));
const flags = args.filter((arg) => arg.startsWith('-') && arg !== '--sqlite' && arg !== '--postgres');
const unknown = names.filter((name) => !listed.includes(name));
if (unknown.length > 0) {
  console.error(`no such suite: ${unknown.join(', ')} (see test/suites.json)`);
  process.exit(2);
}
const wanted = (name) => names.length === 0 || names.includes(name);
const onSqlite = !args.includes('--postgres');
const onPostgres = !args.includes('--sqlite');

const files = onSqlite ? listed.filter(wanted).map((name) => join(testDir, `${name}.test.ts`)) : [];
// The PostgreSQL pass: one small generated file per suite that selects the backend and imports it.
const generated = join(testDir, '.backends', 'postgres');
rmSync(generated, { recursive: true, force: true });
if (onPostgres) {
  mkdirSync(generated, { recursive: true });
  for (const name of suites.bothBackends.filter(wanted)) {
    const file = join(generated, `${name}.test.mjs`);
    writeFileSync(
      file,
      `process.env.TEST_BACKEND = 'postgres';\nawait import(${JSON.stringify(pathToFileURL(join(testDir, `${name}.test.ts`)).href)});\n`,
    );
    files.push(file);
  }
}

// Built once here: the suites start servers from dist/ two at a time, and two builds at once would
// each replace what the other's server is loading.
ensureBuilt();
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...flags, ...files], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
