/**
 * Core service figures: time from `npm start` to the first 200 on /readyz, idle RSS, and the
 * throughput of GET /images/<id>/ at 32 connections (autocannon). Options: --duration <seconds>.
 */
import autocannon from 'autocannon';
import { cpus } from 'node:os';
import { fixture, register, upload } from '../test/helpers.js';
import { printRows, rssMiB, startServerProcess } from './lib.js';

const durationArg = process.argv.indexOf('--duration');
const duration = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 10;

const server = await startServerProcess();
try {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRss = await rssMiB(server.child.pid!);
  const token = await register(server.base);
  const image = (await upload(server.base, token, fixture('photo.webp'))).body;
  const result = await autocannon({ url: `${server.base}/images/${image.id}/`, connections: 32, duration, headers: { authorization: `Token ${token}` } });
  printRows([
    ['machine', `${cpus().length} cores, Node ${process.version}`],
    ['npm start → first 200 on /readyz (dist already built)', `${server.startupMs.toFixed(0)} ms`],
    ['idle RSS', `${idleRss.toFixed(1)} MiB`],
    [`GET /images/<id>/, 32 connections, ${duration} s`, `${result.requests.average.toFixed(0)} req/s average, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`],
    ['non-2xx responses / errors', `${result.non2xx} / ${result.errors}`],
    ['RSS after the load', `${(await rssMiB(server.child.pid!)).toFixed(1)} MiB`],
  ]);
} finally {
  server.stop();
}
