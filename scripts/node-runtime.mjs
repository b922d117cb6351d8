#!/usr/bin/env node
// The Node.js this project runs on: 24 LTS (22 supported). On an older Node (this machine's own is
// 20), `npm start` and `npm test` re-run themselves on the pinned Node 24, which the npm registry
// ships as a package (node-<platform>-<arch>) and which is installed once into a cache folder.
// Written for any Node from 18 on, since it is what runs first on an old one.
//
//   node scripts/node-runtime.mjs bin [24|22]   prints the folder of the pinned node binary (installing it)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Exact versions, so every machine and CI run the same binaries. */
export const PINNED = { 24: '24.22.3', 22: '22.23.5' };
export const OLDEST_SUPPORTED_MAJOR = 22;

function cacheRoot() {
  if (process.env.IMAGE_API_NODE_CACHE) return process.env.IMAGE_API_NODE_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'image-api', 'node');
}

/** The folder holding the pinned `node` of that major version; installs it from the npm registry the first time. */
export function pinnedNodeBin(major = 24) {
  const version = PINNED[major];
  if (!version) throw new Error(`no pinned Node ${major} (pinned: ${Object.keys(PINNED).join(', ')})`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = join(cacheRoot(), version);
  const bin = join(dir, 'node_modules', pkg, 'bin');
  if (existsSync(join(bin, 'node'))) return bin;
  mkdirSync(cacheRoot(), { recursive: true });
  // Installed beside, then renamed: two processes installing at once cannot leave half a folder.
  const partial = `${dir}.partial-${process.pid}`;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const installed = spawnSync(
    npm,
    ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', partial, `${pkg}@${version}`],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (installed.status !== 0 || !existsSync(join(partial, 'node_modules', pkg, 'bin', 'node'))) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(
      `could not install Node ${version} (${pkg}) from the npm registry. Install Node ${OLDEST_SUPPORTED_MAJOR} ` +
        `or newer yourself (https://nodejs.org, or nvm/fnm/volta: "nvm install 24") and run the command again.`,
    );
  }
  try {
    renameSync(partial, dir);
  } catch {
    // Another process finished first; its copy is as good.
    rmSync(partial, { recursive: true, force: true });
  }
  return bin;
}

/**
 * Returns when the running Node is supported. Otherwise runs this same command on the pinned Node 24
 * (with that Node first on PATH for anything it starts) and exits with its exit code.
 */
export function ensureSupportedNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= OLDEST_SUPPORTED_MAJOR) return;
  let bin;
  try {
    bin = pinnedNodeBin(24);
  } catch (error) {
    console.error(`Node ${process.versions.node} is older than this project supports (${OLDEST_SUPPORTED_MAJOR}+): ${error.message}`);
    process.exit(1);
  }
  console.error(
    `Node ${process.versions.node} is older than this project supports (${OLDEST_SUPPORTED_MAJOR}+): running ` +
      `on Node ${PINNED[24]} from ${bin}`,
  );
  const pathKey = Object.keys(process.env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  const env = { ...process.env, [pathKey]: `${bin}${process.platform === 'win32' ? ';' : ':'}${process.env[pathKey] ?? ''}` };
  const child = spawn(join(bin, 'node'), [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // Nothing else of the calling script may run on the old Node.
  return new Promise(() => undefined);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, major = '24'] = process.argv.slice(2);
  if (command !== 'bin') {
    console.error('usage: node scripts/node-runtime.mjs bin [24|22]');
    process.exit(2);
  }
  console.log(pinnedNodeBin(Number(major)));
}
