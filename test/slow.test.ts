import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { register, startServer } from '../testkit/index.js';

function openSlowConnection(port: number, sendBody: boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        sendBody
          ? 'POST /images/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n'
          : 'GET /healthz HTTP/1.1\r\nHost: x\r\n',
      );
      resolve(socket);
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

test('500 slow connections (slow headers, slow bodies) are cut by the timeouts while normal requests keep succeeding', async (t) => {
  const server = await startServer({ HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '3000' });
  const port = Number(new URL(server.base).port);
  const sockets: Socket[] = [];
  try {
    const token = await register(server.base);
    for (let i = 0; i < 500; i++) sockets.push(await openSlowConnection(port, i % 5 === 0));
    const closed = sockets.map((socket) => new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now()))));
    // Trickle: one more header line (or body byte) now and then, never finishing.
    const trickle = setInterval(() => {
      for (const [i, socket] of sockets.entries()) if (!socket.destroyed) socket.write(i % 5 === 0 ? 'x' : `X-Slow-${i}: y\r\n`);
    }, 500);
    const started = performance.now();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const response = await fetch(`${server.base}/images/`, { headers: { authorization: `Token ${token}` } });
      assert.equal(response.status, 200);
      latencies.push(performance.now() - t);
    }
    assert.ok(Math.max(...latencies) < 1000, `a normal request took ${Math.max(...latencies).toFixed(0)} ms`);
    t.diagnostic(`normal requests beside 500 slow connections: max ${Math.max(...latencies).toFixed(1)} ms`);
    const closedAt = await Promise.race([Promise.all(closed), new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
    clearInterval(trickle);
    assert.ok(closedAt, 'some slow connections were still open after 10 s');
    const slowest = Math.max(...closedAt.map((at) => at - started));
    assert.ok(slowest < 8000, `the last slow connection was cut after ${slowest.toFixed(0)} ms`);
    t.diagnostic(`all 500 slow connections cut after ${slowest.toFixed(0)} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.close();
  }
});
