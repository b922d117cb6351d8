import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptQuality } from './negotiation.js';

/** Where `npm run build` (scripts/build-web.mjs) puts the browser app; the same path from src/, dist/ and dist/bundle/. */
export const BUILT_WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export interface Encoded {
  body: Buffer;
  etag: string;
}

export interface WebAsset {
  type: string;
  identity: Encoded;
  br: Encoded;
  gzip: Encoded;
}

export interface WebApp {
  index: Encoded;
  /** By fingerprinted file name (app-<hash>.js). */
  assets: Map<string, WebAsset>;
}

interface Manifest {
  assets: Record<string, { file: string; type: string }>;
}

function encoded(body: Buffer, suffix = ''): Encoded {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}${suffix}"` };
}

/**
 * The built app, held in memory (tens of kilobytes): index.html and each asset with its brotli and
 * gzip copies. Null when the app has not been built.
 */
export async function loadWebApp(dir: string = BUILT_WEB_DIR): Promise<WebApp | null> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const assets = new Map<string, WebAsset>();
    for (const { file, type } of Object.values(manifest.assets)) {
      const path = join(dir, 'assets', file);
      assets.set(file, {
        type,
        identity: encoded(await readFile(path)),
        br: encoded(await readFile(`${path}.br`), '-br'),
        gzip: encoded(await readFile(`${path}.gz`), '-gz'),
      });
    }
    return { index: encoded(await readFile(join(dir, 'index.html'))), assets };
  } catch {
    // Not built, or being rebuilt this very moment: the API works without the app.
    return null;
  }
}

/**
 * Browsers name text/html; API clients name JSON or take anything (curl's `*` `/` `*`) and keep getting
 * JSON, which also wins a tie.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = acceptQuality(accept, (token) => token === 'text/html');
  return html > 0 && html > acceptQuality(accept, (token) => token === 'application/json');
}

/** The best pre-compressed copy the client takes. */
export function pickEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!acceptEncoding) return 'identity';
  if (acceptQuality(acceptEncoding, (token) => token === 'br') > 0) return 'br';
  if (acceptQuality(acceptEncoding, (token) => token === 'gzip' || token === 'x-gzip') > 0) return 'gzip';
  return 'identity';
}
