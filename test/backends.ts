import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import S3rver from 's3rver';

/**
 * Which backends the integration tests run on: `sqlite` (SQLite + local files, the default) or
 * `postgres` (PostgreSQL + an S3-compatible server + Redis), chosen by TEST_BACKEND.
 */
export type Backend = 'sqlite' | 'postgres';
export const backend: Backend = process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver, from npm) on a free local port, storing in a temporary directory. */
export async function startS3Server(port = 0, options: { unref?: boolean } = {}): Promise<S3Server> {
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: await mkdtemp(join(tmpdir(), 'image-api-s3-')) });
  const { port: actual } = await server.run();
  if (options.unref) (server as unknown as { httpServer: { unref(): void } }).httpServer.unref();
  return { endpoint: `http://127.0.0.1:${actual}`, close: () => server.close() };
}

let sharedS3: Promise<S3Server> | undefined;

/** One S3 server per test process, started on first use; it does not keep the process alive. */
export function sharedS3Server(): Promise<S3Server> {
  sharedS3 ??= startS3Server(0, { unref: true });
  return sharedS3;
}

export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
}

export function s3Env(endpoint: string, bucket: string): Record<string, string> {
  return {
    STORAGE: 's3',
    S3_BUCKET: bucket,
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  };
}

/** A fresh PostgreSQL schema; the returned URL makes it the connection's search path. */
export async function createSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

export interface BackendResources {
  env: Record<string, string>;
  release(): Promise<void>;
}

/** Environment for one test server on the selected backend: its own schema, bucket and Redis prefix. */
export async function backendResources(): Promise<BackendResources> {
  if (backend === 'sqlite') return { env: {}, release: async () => undefined };
  const schema = await createSchema();
  const s3 = await sharedS3Server();
  const bucket = `b-${randomBytes(6).toString('hex')}`;
  await createBucket(s3.endpoint, bucket);
  return {
    env: { DATABASE_URL: schema.url, ...s3Env(s3.endpoint, bucket), REDIS_URL: REDIS_URL, REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}:` },
    release: () => schema.drop(),
  };
}

export interface ScaleOutBackend {
  schema: { url: string; drop(): Promise<void> };
  s3: S3Server;
  bucket: string;
  /** DATABASE_URL and the S3 variables for this schema and bucket. */
  env: Record<string, string>;
  release(): Promise<void>;
}

/** A fresh schema, an S3 server of its own with one bucket: for tests that stop, relay or share them. */
export async function freshScaleOutBackend(name: string): Promise<ScaleOutBackend> {
  const schema = await createSchema();
  const s3 = await startS3Server();
  const bucket = `${name}-${randomBytes(4).toString('hex')}`;
  await createBucket(s3.endpoint, bucket);
  return {
    schema,
    s3,
    bucket,
    env: { DATABASE_URL: schema.url, ...s3Env(s3.endpoint, bucket) },
    release: async () => {
      await schema.drop();
      await s3.close();
    },
  };
}
