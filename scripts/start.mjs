#!/usr/bin/env node
// Starts the compiled server (or another entry point of dist/, given as the first argument, e.g.
// tools/transfer.js), compiling first when dist/ is missing or older than src/ (and web/).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './newest-mtime.mjs';
import { ensureSupportedNode } from './node-runtime.mjs';

await ensureSupportedNode();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', process.argv[2]?.endsWith('.js') ? process.argv[2] : 'server.js');
// The entry point sees itself as the script being run, with its own arguments after it.
process.argv.splice(1, process.argv[2]?.endsWith('.js') ? 2 : 1, entry);

const built = join(root, 'dist', 'server.js');
const stale = !existsSync(built) || !existsSync(entry) || newestMtime(join(root, 'src')) > statSync(built).mtimeMs;
if (stale) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}
// The browser app (web/ -> dist/web/), when its sources are newer than the last build (checked here:
// starting a process only to find it up to date cost 100 ms of every start).
const manifest = join(root, 'dist', 'web', 'manifest.json');
if (!existsSync(manifest) || statSync(manifest).mtimeMs < newestMtime(join(root, 'web'))) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
}
await import(entry);
