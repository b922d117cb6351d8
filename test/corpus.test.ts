import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { test } from 'node:test';
import sharp from 'sharp';
import { rssMiB, startServerProcess } from '../bench/lib.js';
import { api, fetchBytes, fixture, fixtureNames, register, startServer, TEST_SECRET, upload } from './helpers.js';

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

test('hostile corpus: every file gets a 4xx or a clean 201, never a 5xx; what is stored decodes and carries no extra payload', async (t) => {
  // The server in a process of its own, so that its memory is measured alone.
  const server = await startServerProcess({ SECRET_KEY: TEST_SECRET, AUTH_RATE_LIMIT: '10000' });
  try {
    const token = await register(server.base);
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
    corpus.push(['GIF frame bomb (1000 frames)', await sharp({ create: { width: 4, height: 4000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 }, pageHeight: 4 } }).gif().toBuffer()]);

    // While the corpus runs: a health check every 20 ms, and the process's memory sampled.
    let running = true;
    const healthLatencies: number[] = [];
    const idleRss = await rssMiB(server.child.pid!);
    let peakRss = idleRss;
    const watcher = (async () => {
      while (running) {
        const started = performance.now();
        assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
        healthLatencies.push(performance.now() - started);
        peakRss = Math.max(peakRss, await rssMiB(server.child.pid!));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const outcomes = new Map<number, number>();
    for (const [label, bytes] of corpus) {
      const response = await upload(server.base, token, bytes, { filename: 'corpus.bin', contentType: 'image/png' });
      outcomes.set(response.status, (outcomes.get(response.status) ?? 0) + 1);
      assert.ok(response.status === 201 || (response.status >= 400 && response.status < 500), `${label}: ${response.status} ${response.text.slice(0, 200)}`);
      assert.equal(typeof response.body, 'object', label);
      if (response.status === 201) {
        const served = await fetchBytes(response.body.url);
        assert.equal(served.status, 200, label);
        // Whatever was accepted decodes, and what is served is only the image.
        await sharp(served.bytes).raw().toBuffer();
        assert.ok(!served.bytes.includes(Buffer.from('<script>')), `${label}: the stored file still carries the appended payload`);
        assert.ok(served.bytes.length < 1_000_000 || !label.includes('giant'), `${label}: the metadata was kept`);
      }
    }
    running = false;
    await watcher;
    healthLatencies.sort((a, b) => a - b);
    const p99 = healthLatencies[Math.floor(healthLatencies.length * 0.99)]!;
    t.diagnostic(`corpus of ${corpus.length} files: ${[...outcomes.entries()].map(([status, count]) => `${count} × ${status}`).join(', ')}`);
    t.diagnostic(`health checks during the corpus: ${healthLatencies.length}, p99 ${p99.toFixed(1)} ms; server RSS idle ${idleRss.toFixed(0)} MiB, peak ${peakRss.toFixed(0)} MiB`);
    assert.ok(p99 < 100, `health-check p99 ${p99.toFixed(1)} ms`);
    assert.ok(peakRss < 512, `peak RSS ${peakRss.toFixed(0)} MiB`);
    assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
  } finally {
    await server.stop();
  }
});

test('request framing abuse: huge headers, many headers, duplicate fields, lying Content-Type: 4xx, never 5xx', async () => {
  const server = await startServer();
  try {
    const token = await register(server.base);
    // Raw sockets: the server may answer and close before a regular client has finished sending.
    const raw = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(Number(new URL(server.base).port), '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
          if (status) resolve(Number(status));
          else reject(new Error(`no answer: ${answer.slice(0, 100)}`));
        });
        const lines = Object.entries({ host: 'x', authorization: `Token ${token}`, connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}`);
        socket.end(`GET /images/ HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      });
    assert.equal(await raw({ 'x-huge': 'a'.repeat(20_000) }), 431);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(50)]));
    const manyStatus = await raw(many);
    assert.ok(manyStatus === 200 || manyStatus === 431, String(manyStatus));
    // Two image fields with different content: the first is taken.
    const form = new FormData();
    form.append('image', new Blob([await readFile(fixture('tiny-2x2.png'))]), 'first.png');
    form.append('image', new Blob([Buffer.from('<svg/>')]), 'second.svg');
    const duplicate = await api(server.base, '/images/', { method: 'POST', token, body: form });
    assert.equal(duplicate.status, 201);
    assert.equal(duplicate.body.filename, 'first.png');
    // An SVG declared as PNG, and a PNG declared as SVG: the content decides.
    const lying = await upload(server.base, token, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), { filename: 'x.png', contentType: 'image/png' });
    assert.equal(lying.status, 400);
    const honest = await upload(server.base, token, await readFile(fixture('alpha.png')), { filename: 'x.svg', contentType: 'image/svg+xml' });
    assert.equal(honest.status, 201);
    assert.equal(honest.body.content_type, 'image/png');
  } finally {
    await server.close();
  }
});
