// What `npm start` and `npm test` do first: compile src/ into dist/ when the sources are newer, bundle
// it into dist/bundle/ when the bundle is older than the compiled files, and build the browser app
// (web/ -> dist/web/) when its sources are newer. Checked here rather than by starting the build
// tools: starting a process only to find it up to date cost 100 ms of every start.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './newest-mtime.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const run = (script, ...args) => execFileSync(process.execPath, [script, ...args], { stdio: 'inherit' });
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);

/** `entry`: a file of dist/ that must exist (a tool's entry point); the server's is the bundle. */
export function ensureBuilt(entry = join(root, 'dist', 'bundle', 'server.js')) {
  const compiled = join(root, 'dist', 'server.js');
  if (!existsSync(compiled) || newestMtime(join(root, 'src')) > mtime(compiled)) {
    run(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'));
  }
  if (mtime(join(root, 'dist', 'bundle', 'main.js')) < mtime(compiled)) run(join(root, 'scripts', 'bundle.mjs'));
  if (!existsSync(entry)) throw new Error(`${entry} was not built`);
  const manifest = join(root, 'dist', 'web', 'manifest.json');
  if (mtime(manifest) < newestMtime(join(root, 'web'))) run(join(root, 'scripts', 'build-web.mjs'));
}
