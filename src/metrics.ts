import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
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
  readonly rememberedLinks = new Counter({
    name: 'link_answers_remembered_total',
    help: 'Requests for signed links and share URLs answered from memory (the database unchanged since the same one was answered)',
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

/** A worker's question to the primary, and its answer: the metrics of every worker, aggregated. */
const CLUSTER_METRICS = 'image-api:cluster-metrics';
interface ClusterMetricsMessage {
  type: typeof CLUSTER_METRICS;
  id: number;
  text?: string;
  error?: string;
}

function isClusterMetricsMessage(message: unknown): message is ClusterMetricsMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === CLUSTER_METRICS;
}

/**
 * In the primary of WORKERS > 1: answers workers that serve /metrics with every worker's metrics
 * summed (prom-client asks each worker for its registry), so that a scrape sees the instance, not
 * the one worker that took the connection.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isClusterMetricsMessage(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: CLUSTER_METRICS, id: message.id, text }),
      (error: Error) => worker.send({ type: CLUSTER_METRICS, id: message.id, error: error.message }),
    );
  });
}

let nextQuestion = 0;

/** The text /metrics answers: this process's registry, or, in a worker, the whole instance's from the primary. */
export async function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = ++nextQuestion;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', listen);
      reject(new Error('the primary did not answer with the metrics within 10 s'));
    }, 10_000);
    const listen = (message: unknown) => {
      if (!isClusterMetricsMessage(message) || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', listen);
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(message.error ?? 'no metrics'));
    };
    process.on('message', listen);
    process.send!({ type: CLUSTER_METRICS, id });
  });
}

/** In a worker: lets the primary's aggregator read this registry. */
export function shareWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  // Constructing it installs prom-client's answer to the primary's requests in this process.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}
