/**
 * The hostile upload corpus and the health watcher that runs beside it, shared by the
 * correctness test (test/corpus.test.ts) and the latency/memory benchmark (bench/corpus.ts).
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { fixture, fixtureNames } from './index.js';
import { rssMiB } from './stats.js';

/** Deterministic bit flips: the same corpus on every run. */
function flipBits(data: Buffer, count: number, seed: number): Buffer {
  const copy = Buffer.from(data);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const position = state % copy.length;
    copy[position] = copy[position]! ^ (1 << (state % 8));
  }
  return copy;
}

/** A JPEG with many large APP segments before its image data (64 KiB each). */
function withGiantMetadata(jpeg: Buffer, segments: number): Buffer {
  const payload = Buffer.alloc(65_533 - 2, 0x41);
  const segment = Buffer.concat([Buffer.from([0xff, 0xe1, 0xff, 0xfd]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: segments }, () => segment), jpeg.subarray(2)]);
}

/** A WebP whose VP8X header claims a 16383×16383 canvas, with nothing behind it. */
function webpCanvasBomb(): Buffer {
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(16382, 12, 3);
  vp8x.writeUIntLE(16382, 15, 3);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + vp8x.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, vp8x]);
}

/** Every fixture with 1, 8 and 64 flipped bits and cut in half, plus the hand-made bombs: [label, bytes]. */
export async function hostileCorpus(): Promise<[string, Buffer][]> {
  const corpus: [string, Buffer][] = [];
  for (const name of await fixtureNames()) {
    const original = await readFile(fixture(name));
    for (const [count, seed] of [
      [1, 1],
      [8, 2],
      [64, 3],
    ] as const) {
      corpus.push([`${name} with ${count} flipped bits`, flipBits(original, count, seed + name.length)]);
    }
    corpus.push([`${name} cut in half`, original.subarray(0, Math.floor(original.length / 2))]);
  }
  const jpeg = await readFile(fixture('exif-canon-40d.jpg'));
  corpus.push(['JPEG with 40 giant metadata segments (2.6 MB)', withGiantMetadata(jpeg, 40)]);
  corpus.push(['JPEG + HTML polyglot', Buffer.concat([jpeg, Buffer.from('<html><script>alert(document.cookie)</script></html>')])]);
  corpus.push(['WebP canvas bomb (16383×16383 header)', webpCanvasBomb()]);
  corpus.push([
    'GIF frame bomb (1000 frames)',
    await sharp({
      create: { width: 4, height: 4000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 }, pageHeight: 4 },
    })
      .gif()
      .toBuffer(),
  ]);
  return corpus;
}

export interface HealthWatch {
  /** Round-trip times of the health checks, in milliseconds, in the order they were made. */
  latencies: number[];
  /** Health checks answered with anything but 200, or not answered at all. */
  failures: number;
  idleRss: number;
  peakRss: number;
}

export interface HealthWatcher {
  /** Ends the checks and returns what they saw; safe to call more than once. */
  stop(): Promise<HealthWatch>;
}

/** A health check every 20 ms and the server process's RSS sampled, until `stop()`. */
export async function watchHealth(base: string, pid: number): Promise<HealthWatcher> {
  let running = true;
  const idleRss = await rssMiB(pid);
  const watch: HealthWatch = { latencies: [], failures: 0, idleRss, peakRss: idleRss };
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const ok = await fetch(`${base}/healthz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ok) watch.latencies.push(performance.now() - started);
      else watch.failures++;
      watch.peakRss = Math.max(watch.peakRss, await rssMiB(pid));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return watch;
    },
  };
}
