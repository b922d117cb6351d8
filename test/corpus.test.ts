import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { hostileCorpus, watchHealth, type HealthWatcher } from '../testkit/hostile-corpus.js';
import { percentile, startServerProcess, api, fetchBytes, fixture, register, startServer, TEST_SECRET, upload } from '../testkit/index.js';

test('hostile corpus: a 4xx or a clean 201 for every file, never a 5xx; what is stored decodes and carries no extra payload', async (t) => {
  // The server in a process of its own, so that its memory is measured alone.
  const server = await startServerProcess({ SECRET_KEY: TEST_SECRET, AUTH_RATE_LIMIT: '10000' });
  let watcher: HealthWatcher | undefined;
  try {
    const token = await register(server.base);
    const corpus = await hostileCorpus();
    // While the corpus runs: a health check every 20 ms, and the process's memory sampled.
    watcher = await watchHealth(server.base, server.child.pid!);
    const outcomes = new Map<number, number>();
    for (const [label, bytes] of corpus) {
      const response = await upload(server.base, token, bytes, { filename: 'corpus.bin', contentType: 'image/png' });
      outcomes.set(response.status, (outcomes.get(response.status) ?? 0) + 1);
      assert.ok(
        response.status === 201 || (response.status >= 400 && response.status < 500),
        `${label}: ${response.status} ${response.text.slice(0, 200)}`,
      );
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
    const health = await watcher.stop();
    const p99 = percentile(health.latencies, 0.99);
    t.diagnostic(
      `corpus of ${corpus.length} files: ${[...outcomes.entries()].map(([status, count]) => `${count} × ${status}`).join(', ')}`,
    );
    t.diagnostic(
      `health checks during the corpus: ${health.latencies.length}, p99 ${p99.toFixed(1)} ms; server RSS idle ` +
        `${health.idleRss.toFixed(0)} MiB, peak ${health.peakRss.toFixed(0)} MiB`,
    );
    assert.equal(health.failures, 0, 'a health check failed while the corpus ran');
    // The 100 ms p99 target is measured by `npm run bench:corpus` on an otherwise idle machine; here other
    // test files share the two cores, so this only catches a blocked event loop (a synchronous decode takes seconds).
    assert.ok(p99 < 1000, `health-check p99 ${p99.toFixed(1)} ms`);
    assert.ok(health.peakRss < 512, `peak RSS ${health.peakRss.toFixed(0)} MiB`);
    assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
  } finally {
    await watcher?.stop();
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
        const lines = Object.entries({ host: 'x', authorization: `Token ${token}`, connection: 'close', ...headers }).map(
          ([name, value]) => `${name}: ${value}`,
        );
        socket.end(`GET /images/ HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      });
    assert.equal(await raw({ 'x-huge': 'a'.repeat(20_000) }), 431);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(50)]));
    const manyStatus = await raw(many);
    assert.ok(manyStatus === 200 || manyStatus === 431, String(manyStatus));
    // Two image fields with different content: each judged on its own (207), the SVG refused.
    const form = new FormData();
    form.append('image', new Blob([await readFile(fixture('tiny-2x2.png'))]), 'first.png');
    form.append('image', new Blob([Buffer.from('<svg/>')]), 'second.svg');
    const duplicate = await api(server.base, '/images/', { method: 'POST', token, body: form });
    assert.equal(duplicate.status, 207);
    assert.equal(duplicate.body.results[0].image.filename, 'first.png');
    assert.equal(duplicate.body.results[1].status, 400);
    // An SVG declared as PNG, and a PNG declared as SVG: the content decides.
    const lying = await upload(server.base, token, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), {
      filename: 'x.png',
      contentType: 'image/png',
    });
    assert.equal(lying.status, 400);
    const honest = await upload(server.base, token, await readFile(fixture('alpha.png')), {
      filename: 'x.svg',
      contentType: 'image/svg+xml',
    });
    assert.equal(honest.status, 201);
    assert.equal(honest.body.content_type, 'image/png');
  } finally {
    await server.close();
  }
});

test('corpus benchmark smoke run (npm run bench:corpus -- --quick)', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'bench', 'corpus.ts'), '--quick'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /run 1: health-check p50 \/ p99 \/ max +[\d.]+ \/ [\d.]+ \/ [\d.]+ ms/);
  assert.match(run.stdout, /5xx answers \/ failed health checks +0 \/ 0/);
});
