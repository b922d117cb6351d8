/**
 * Scale-out figures, one run: GET /images/<id>/ (32 connections) and upload throughput (8
 * connections, distinct 1800×1200 JPEGs) on SQLite + files, on PostgreSQL + S3 (s3rver) with one
 * instance, and with two instances behind nginx (deploy/nginx.conf). Option: --duration <seconds>.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  createBucket,
  createSchema,
  REDIS_URL,
  s3Env,
  startS3Server,
  fixture,
  freePort,
  register,
  tempDataDir,
  TEST_SECRET,
  upload,
  startServerProcess,
  shippedNginxConfig,
  type ServerProcess,
} from '../testkit/index.js';
import { benchArgs, positive, printRows } from './lib.js';

const { values: options } = benchArgs({ duration: { type: 'string' } });
const duration = positive(options.duration, 'duration', 5);

/** Multipart bodies of distinct JPEGs (one pixel differs), so that dedup does not skip the storage writes. */
async function uploadBodies(count: number): Promise<{ boundary: string; bodies: Buffer[] }> {
  const base = await sharp(fixture('Landscape_0.jpg')).raw().toBuffer({ resolveWithObject: true });
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const bodies: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const pixels = Buffer.from(base.data);
    pixels[i] = (pixels[i]! + 128) % 256;
    const jpeg = await sharp(pixels, { raw: { width: base.info.width, height: base.info.height, channels: base.info.channels } })
      .jpeg({ quality: 90 })
      .toBuffer();
    bodies.push(
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="b${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
        ),
        jpeg,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    );
  }
  return { boundary, bodies };
}

async function measure(base: string, uploads: { boundary: string; bodies: Buffer[] }): Promise<[string, string]> {
  const token = await register(base);
  const image = (await upload(base, token, fixture('photo.webp'))).body;
  const read = await autocannon({
    url: `${base}/images/${image.id}/`,
    connections: 32,
    duration,
    headers: { authorization: `Token ${token}` },
  });
  let next = 0;
  const write = await autocannon({
    url: `${base}/images/`,
    method: 'POST',
    connections: 8,
    duration,
    headers: { authorization: `Token ${token}`, 'content-type': `multipart/form-data; boundary=${uploads.boundary}` },
    requests: [{ setupRequest: (request) => ({ ...request, body: uploads.bodies[next++ % uploads.bodies.length] }) }],
  });
  const megabytes = (write.requests.average * uploads.bodies[0]!.length) / 1e6;
  return [
    `${read.requests.average.toFixed(0)} req/s (p99 ${read.latency.p99} ms, non-2xx ${read.non2xx})`,
    `${write.requests.average.toFixed(1)} uploads/s, ${megabytes.toFixed(1)} MB/s (p99 ${write.latency.p99} ms, non-2xx ${write.non2xx})`,
  ];
}

const uploads = await uploadBodies(32);
const rows: [string, string][] = [];

/** One server process on `env`, measured alone. */
async function measureOneInstance(label: string, env: Record<string, string>): Promise<void> {
  const server = await startServerProcess(env);
  try {
    const [read, write] = await measure(server.base, uploads);
    rows.push([`${label}, one instance: GET /images/<id>/`, read], [`${label}, one instance: upload`, write]);
  } finally {
    await server.stop();
  }
}

await measureOneInstance('SQLite + files', { SECRET_KEY: TEST_SECRET });

const s3 = await startS3Server();
const schema = await createSchema();
const bucket = `bench-${Date.now().toString(36)}`;
await createBucket(s3.endpoint, bucket);
const sharedEnv = {
  DATABASE_URL: schema.url,
  ...s3Env(s3.endpoint, bucket),
  REDIS_URL,
  REDIS_PREFIX: `${bucket}:`,
  SECRET_KEY: TEST_SECRET,
};
try {
  await measureOneInstance('PostgreSQL + S3', sharedEnv);

  const proxyPort = await freePort();
  const publicUrl = `http://127.0.0.1:${proxyPort}`;
  const instances: ServerProcess[] = await Promise.all([
    startServerProcess({ ...sharedEnv, PUBLIC_URL: publicUrl, TRUST_PROXY: '1' }),
    startServerProcess({ ...sharedEnv, PUBLIC_URL: publicUrl, TRUST_PROXY: '1' }),
  ]);
  const prefix = await tempDataDir();
  await mkdir(join(prefix, 'tmp'));
  const config = shippedNginxConfig({
    instances: instances.map((instance) => new URL(instance.base).host),
    listen: `127.0.0.1:${proxyPort}`,
  });
  await writeFile(join(prefix, 'nginx.conf'), config);
  const nginx = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  try {
    for (
      let i = 0;
      i < 100 &&
      !(await fetch(`${publicUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const [read, write] = await measure(publicUrl, uploads);
    rows.push(
      ['PostgreSQL + S3, two instances behind nginx: GET /images/<id>/', read],
      ['PostgreSQL + S3, two instances behind nginx: upload', write],
    );
  } finally {
    nginx.kill('SIGQUIT');
    await Promise.all(instances.map((instance) => instance.stop()));
  }
} finally {
  await schema.drop();
  await s3.close();
}

printRows(rows);
process.exit(0);
