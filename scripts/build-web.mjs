#!/usr/bin/env node
// Builds the browser app (web/) into dist/web/: one minified script and one stylesheet, named by a
// hash of their content (so they can be cached for a year), with brotli and gzip copies, and
// index.html pointing at them. The server reads dist/web/manifest.json at start-up.
//   node scripts/build-web.mjs [--if-stale] [--quiet]
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { newestMtime } from './newest-mtime.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const source = join(root, 'web');
const out = join(root, 'dist', 'web');

const manifestPath = join(out, 'manifest.json');
if (process.argv.includes('--if-stale') && existsSync(manifestPath) && statSync(manifestPath).mtimeMs >= newestMtime(source))
  process.exit(0);

const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

function fingerprinted(name, bytes) {
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 12);
  return `${basename(name, extname(name))}-${hash}${extname(name)}`;
}

/** One esbuild pass over these entry points, for the browsers the app supports, kept in memory. */
const bundle = (entryPoints) =>
  build({
    entryPoints,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome111', 'firefox114', 'safari16.4'],
    write: false,
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'warning',
  });

const bundled = await bundle([join(source, 'src', 'main.ts'), join(source, 'styles.css')]);

// The tus client is a module of its own, loaded only when a large file is uploaded: it weighs more than the app.
const tusClient = await bundle([join(source, 'src', 'tus-client.ts')]);

const assets = [
  ...bundled.outputFiles.map((file) => ({
    name: basename(file.path) === 'main.js' ? 'app.js' : 'app.css',
    bytes: Buffer.from(file.contents),
  })),
  { name: 'tus.js', bytes: Buffer.from(tusClient.outputFiles[0].contents) },
  { name: 'icon.svg', bytes: await readFile(join(source, 'icon.svg')) },
];

// New files first, then the manifest (renamed into place), then the old files: a server starting
// meanwhile reads either the old build or the new one.
await mkdir(join(out, 'assets'), { recursive: true });
const manifest = { assets: {} };
for (const asset of assets) {
  const file = fingerprinted(asset.name, asset.bytes);
  const brotli = brotliCompressSync(asset.bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  const gzip = gzipSync(asset.bytes, { level: 9 });
  await writeFile(join(out, 'assets', file), asset.bytes);
  await writeFile(join(out, 'assets', `${file}.br`), brotli);
  await writeFile(join(out, 'assets', `${file}.gz`), gzip);
  manifest.assets[asset.name] = { file, type: TYPES[extname(file)], bytes: asset.bytes.length, brotli: brotli.length, gzip: gzip.length };
}

let html = await readFile(join(source, 'index.html'), 'utf8');
html = html.replace(/\{\{([\w.]+)\}\}/g, (_match, name) => {
  if (!manifest.assets[name]) throw new Error(`web/index.html refers to an unknown asset: ${name}`);
  return `/assets/${manifest.assets[name].file}`;
});
async function replaceFile(path, content) {
  await writeFile(`${path}.${process.pid}.tmp`, content);
  await rename(`${path}.${process.pid}.tmp`, path);
}
await replaceFile(join(out, 'index.html'), html);
await replaceFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
const current = new Set(Object.values(manifest.assets).flatMap(({ file }) => [file, `${file}.br`, `${file}.gz`]));
for (const name of await readdir(join(out, 'assets'))) {
  if (!current.has(name)) await rm(join(out, 'assets', name), { force: true });
}

if (!process.argv.includes('--quiet')) {
  for (const [name, asset] of Object.entries(manifest.assets)) {
    console.log(
      `web: ${name.padEnd(8)} ${String(asset.bytes).padStart(7)} B minified, ${String(asset.brotli).padStart(6)} ` +
        `B brotli  -> dist/web/assets/${asset.file}`,
    );
  }
}
