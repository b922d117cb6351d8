/**
 * Mixed-workload load test: 70% metadata reads, 20% variant reads (signed preset links), 10%
 * uploads, at 64 connections for 60 s (`--duration`, `--connections` to change). Reports the
 * latency percentiles, the error and 5xx counts, and the server's peak RSS. `npm run load`.
 */
import autocannon from 'autocannon';
import sharp from 'sharp';
import { fixture, register, TEST_SECRET, upload, treeRssMiB, startServerProcess } from '../testkit/index.js';
import { benchArgs, positive, printRows } from './lib.js';

const { values: options } = benchArgs({ duration: { type: 'string' }, connections: { type: 'string' } });
const duration = positive(options.duration, 'duration', 60);
const connections = Math.round(positive(options.connections, 'connections', 64));

/**
 * Where the time went, from the server's own histograms (/metrics): per route, the mean and the
 * bucket that holds the 99th percentile; and how long upload decoding waited for a slot.
 */
async function serverBreakdown(base: string): Promise<[string, string][]> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const series = new Map<string, { count: number; sum: number; buckets: [number, number][] }>();
  const entry = (key: string) => series.get(key) ?? series.set(key, { count: 0, sum: 0, buckets: [] }).get(key)!;
  for (const line of text.split('\n')) {
    const match = /^(http_request_duration_seconds|image_processing_queue_wait_seconds)_(bucket|sum|count)\{([^}]*)\} ([\d.e+-]+)$/.exec(
      line,
    );
    if (!match) continue;
    const labels = Object.fromEntries([...match[3]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1]!, label[2]!]));
    const key =
      match[1] === 'image_processing_queue_wait_seconds' ? `queue wait: ${labels.queue}` : `server time: ${labels.method} ${labels.route}`;
    const value = Number(match[4]);
    const target = entry(key);
    if (match[2] === 'sum') target.sum += value;
    else if (match[2] === 'count') target.count += value;
    else if (labels.le !== '+Inf') {
      const bound = Number(labels.le);
      const existing = target.buckets.find(([le]) => le === bound);
      if (existing) existing[1] += value;
      else target.buckets.push([bound, value]);
    }
  }
  return [...series.entries()]
    .filter(([, value]) => value.count >= 10)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => {
      const p99 = value.buckets.sort(([a], [b]) => a - b).find(([, cumulative]) => cumulative >= value.count * 0.99)?.[0];
      return [
        key,
        `${value.count} × mean ${((value.sum / value.count) * 1000).toFixed(1)} ms, ` +
          `p99 ≤ ${p99 === undefined ? '> 10 s' : `${p99 * 1000} ms`}`,
      ];
    });
}

const server = await startServerProcess({ SECRET_KEY: TEST_SECRET, METRICS_PUBLIC: 'true' });
try {
  // Eight users, each with one image: traffic from several accounts, as a service sees it.
  const images: { token: string; id: number; variants: Record<string, string> }[] = [];
  for (const name of [
    'Landscape_1.jpg',
    'photo.webp',
    'alpha.png',
    'animated.gif',
    'exif-gps-nikon.jpg',
    'exif-canon-40d.jpg',
    'Landscape_6.jpg',
    'tiny-2x2.png',
  ]) {
    const token = await register(server.base);
    images.push({ token, ...(await upload(server.base, token, fixture(name))).body });
  }
  const variantPaths = images.flatMap((image) =>
    Object.values(image.variants)
      .map((url) => new URL(url))
      .map((url) => `${url.pathname}${url.search}`),
  );
  // Warm the variant cache, as traffic would have; the first renders are measured by the benchmarks.
  for (const path of variantPaths) await fetch(`${server.base}${path}`, { headers: { accept: 'image/avif,image/webp,*/*' } });

  const boundary = 'loadtestboundary';
  const uploads = await Promise.all(
    Array.from({ length: 64 }, async (_, i) => {
      const png = await sharp({ create: { width: 120 + i, height: 90, channels: 3, background: { r: i * 4, g: 120, b: 200 } } })
        .png()
        .toBuffer();
      return Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="load${i}.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        png,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    }),
  );
  let counter = 0;
  const authorization = () => `Token ${images[counter % images.length]!.token}`;
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await treeRssMiB(server.child.pid!));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const statuses = new Map<number, number>();
  const options: autocannon.Options = {
    url: server.base,
    connections,
    duration,
    requests: [
      {
        setupRequest: (request) => {
          const roll = (counter++ * 7919) % 100;
          if (roll < 70)
            return {
              ...request,
              method: 'GET',
              path: `/images/${images[counter % images.length]!.id}/`,
              headers: { authorization: authorization() },
            };
          if (roll < 90)
            return {
              ...request,
              method: 'GET',
              path: variantPaths[counter % variantPaths.length]!,
              headers: { accept: 'image/avif,image/webp,*/*' },
            };
          return {
            ...request,
            method: 'POST',
            path: '/images/',
            headers: { authorization: authorization(), 'content-type': `multipart/form-data; boundary=${boundary}` },
            body: uploads[counter % uploads.length],
          };
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, outcome) => (error ? reject(error) : resolve(outcome)));
    instance.on('response', (_client: unknown, statusCode: number) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1));
  });
  sampling = false;
  await sampler;
  const fiveHundreds = [...statuses.entries()].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
  printRows([
    ['workload', `70% GET /images/<id>/, 20% cached variants, 10% uploads; ${connections} connections, ${duration} s`],
    ['requests', `${result.requests.total} (${result.requests.average.toFixed(0)} req/s average)`],
    ['latency', `p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`],
    [
      'status codes',
      [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}: ${count}`)
        .join(', '),
    ],
    ['errors (connection) / 5xx', `${result.errors} / ${fiveHundreds}`],
    ['timeouts', String(result.timeouts)],
    ['server peak RSS', `${peak.toFixed(0)} MiB`],
  ]);
  printRows(await serverBreakdown(server.base));
  if (result.errors > 0 || fiveHundreds > 0) process.exitCode = 1;
} finally {
  await server.stop();
}
