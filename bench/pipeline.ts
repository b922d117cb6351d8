/**
 * Image pipeline figures, each measured side by side in one run:
 *  - `thumb` render of a 12-megapixel JPEG through the API (uncached) vs a direct sharp call, interleaved;
 *  - a cached variant vs the original bytes of a file of the same size (autocannon, 32 connections);
 *  - bytes saved by dedup when two users upload the same photo.
 * Options: --pairs <n> (default 7), --duration <seconds> (default 5).
 */
import autocannon from 'autocannon';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { fetchBytes, register, upload } from '../test/helpers.js';
import { median, printRows, startServerProcess } from './lib.js';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const pairs = arg('--pairs', 7);
const duration = arg('--duration', 5);

async function directoryBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const server = await startServerProcess();
try {
  const token = await register(server.base);
  // A 12-megapixel photo-like JPEG: a smooth gradient with noise, 4000×3000.
  const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 25 } } })
    .blur(1.5)
    .jpeg({ quality: 90 })
    .toBuffer();
  const image = (await upload(server.base, token, photo, { filename: 'twelve-megapixels.jpg' })).body;
  const apiTimes: number[] = [];
  const directTimes: number[] = [];
  for (let i = 0; i <= pairs; i++) {
    // A different quality each time: the same work, never served from the cache.
    const quality = 80 - i;
    let started = performance.now();
    const response = await fetchBytes(`${server.base}/images/${image.id}/content?w=200&h=200&fit=cover&format=jpeg&q=${quality}`, { authorization: `Token ${token}` });
    const apiMs = performance.now() - started;
    if (response.status !== 200) throw new Error(`render answered ${response.status}`);
    started = performance.now();
    await sharp(photo).rotate().resize(200, 200, { fit: 'cover' }).jpeg({ quality, mozjpeg: true }).toBuffer();
    const directMs = performance.now() - started;
    if (i > 0) {
      // The first pair warms both sides up.
      apiTimes.push(apiMs);
      directTimes.push(directMs);
    }
  }

  // Cached variant vs original bytes of the same size: the variant's bytes, uploaded as an image of their own.
  const thumbUrl = image.variants.large as string;
  const variantBytes = (await fetchBytes(thumbUrl, { accept: 'image/webp' })).bytes;
  const twin = (await upload(server.base, token, variantBytes, { filename: 'twin.webp' })).body;
  const load = (url: string, headers: Record<string, string> = {}) => autocannon({ url, connections: 32, duration, headers });
  const cached = await load(thumbUrl, { accept: 'image/webp' });
  const original = await load(twin.url);

  // Dedup: a second user uploads the same photo; storage grows by nothing.
  const storageDir = join(server.dataDir, 'storage', 'originals');
  const before = await directoryBytes(storageDir);
  const other = await register(server.base);
  const again = (await upload(server.base, other, photo, { filename: 'same.jpg' })).body;
  const after = await directoryBytes(storageDir);

  const apiMedian = median(apiTimes);
  const directMedian = median(directTimes);
  printRows([
    [`thumb of a 12 MP JPEG via the API, uncached (median of ${pairs})`, `${apiMedian.toFixed(1)} ms (min ${Math.min(...apiTimes).toFixed(1)}, max ${Math.max(...apiTimes).toFixed(1)})`],
    [`same thumb, direct sharp call (median of ${pairs})`, `${directMedian.toFixed(1)} ms (min ${Math.min(...directTimes).toFixed(1)}, max ${Math.max(...directTimes).toFixed(1)})`],
    ['latency ratio API / direct', `${(apiMedian / directMedian).toFixed(2)}`],
    [`cached variant (${variantBytes.length} B), 32 connections, ${duration} s`, `${cached.requests.average.toFixed(0)} req/s, ${(cached.throughput.average / 1e6).toFixed(1)} MB/s, non-2xx ${cached.non2xx}`],
    [`original of the same size, 32 connections, ${duration} s`, `${original.requests.average.toFixed(0)} req/s, ${(original.throughput.average / 1e6).toFixed(1)} MB/s, non-2xx ${original.non2xx}`],
    ['throughput ratio cached variant / original', `${(cached.requests.average / original.requests.average).toFixed(2)}`],
    ['dedup: second upload of the same photo', `stored ${after - before} new bytes for ${again.bytes} uploaded (saved ${again.bytes - (after - before)})`],
  ]);
} finally {
  server.stop();
}
