import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkLimiter } from './limiter.js';

/** The service's Prometheus metrics, one registry per app. */
export class Metrics {
  readonly registry = new Registry();
  /** With METRICS_KEY_LABEL, requests are also counted by the API key used (its id; `token`, or `none`). */
  readonly requests: Counter<'method' | 'route' | 'status' | 'key'>;
  readonly durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request durations by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly uploadBytes = new Counter({
    name: 'image_upload_bytes_total',
    help: 'Bytes of accepted uploads, as stored',
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'image_processing_queue_wait_seconds',
    help: 'Time image work waited for a slot',
    labelNames: ['queue'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly dependencyErrors = new Counter({
    name: 'dependency_unavailable_total',
    help: 'Requests answered 503 because the database or the storage was unavailable',
    registers: [this.registry],
  });

  constructor(
    queues: Record<string, WorkLimiter>,
    readonly byKey = false,
  ) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: byKey ? 'HTTP requests by route, status and API key' : 'HTTP requests by route and status',
      labelNames: byKey ? ['method', 'route', 'status', 'key'] : ['method', 'route', 'status'],
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry });
    const registry = this.registry;
    new Gauge({
      name: 'nodejs_libuv_threadpool_size',
      help: "Threads of libuv's pool (file I/O, crypto, and each image job while it runs)",
      registers: [registry],
      collect() {
        this.set(Number(process.env.UV_THREADPOOL_SIZE ?? 4));
      },
    });
    new Gauge({
      name: 'image_processing_queue_depth',
      help: 'Image work running and waiting, by queue',
      labelNames: ['queue', 'state'],
      registers: [registry],
      collect() {
        for (const [queue, limiter] of Object.entries(queues)) {
          this.set({ queue, state: 'active' }, limiter.load.active);
          this.set({ queue, state: 'queued' }, limiter.load.queued);
          this.set({ queue, state: 'waiting_in_owner_line' }, limiter.load.waitingInLines);
        }
      },
    });
  }
}
