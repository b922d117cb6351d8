#!/usr/bin/env node
// Bundles the compiled server (dist/server.js, from tsc) into dist/bundle/: a few files instead of
// about 1,300 modules. Resolving, reading and linking those modules was most of a process's start-up
// (docs/decisions.md, "Start-up"). tsc stays the compiler; this only joins its output with the
// pure-JavaScript dependencies. Lazily imported parts (S3, PostgreSQL, Redis, tus) stay separate
// chunks, loaded only by the deployments that use them.
//   node scripts/bundle.mjs
import { build } from 'esbuild';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const out = join(root, 'dist', 'bundle');

/**
 * Left to Node's resolver at run time: native addons (sharp, libsql) and the large optional clients
 * that only some deployments load. Of the bundled packages that look for files next to their own
 * code, the Swagger UI is told where its files are, and pino would only for transports (worker
 * threads), which are not used.
 */
const EXTERNAL = ['sharp', 'libsql', 'pg', 'ioredis', '@aws-sdk/*', '@smithy/*', '@tus/*'];

// Built beside, then put in place: a server starting meanwhile finds the old bundle or the new one.
const staging = `${out}.${process.pid}.tmp`;
await rm(staging, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'dist', 'server.js') },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  external: EXTERNAL,
  // CommonJS dependencies call require(); in an ES module it has to be made.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The entry point turns on Node's compile cache (V8's compiled code for these files, kept in
// dist/.compile-cache, next to the code it belongs to and written by whoever may write dist/) before
// the first chunk loads: compiling 3 MB of JavaScript was a third of loading it (230 → 150 ms). Each
// worker runs this file again (node:cluster), so each uses the cache. Where dist/ is read-only the
// cache is off and start-up only slower.
await writeFile(
  join(staging, 'server.js'),
  `// Written by scripts/bundle.mjs: the bundled server's entry point.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
module.enableCompileCache?.(fileURLToPath(new URL('../.compile-cache/', import.meta.url)));
await import('./main.js');
`,
);
await rm(out, { recursive: true, force: true });
await rename(staging, out);
// The cached code of the files just replaced is of no use any more.
await rm(join(root, 'dist', '.compile-cache'), { recursive: true, force: true });
