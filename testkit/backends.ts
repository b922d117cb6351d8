import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** The parts of s3rver's (untyped) filesystem store that `makePutsAtomic` replaces or uses. */
interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}
interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

/**
 * s3rver 3.7.1 (the last release) writes an object in place and answers the PUT when its body has
 * been read, not when it is on disk, so a GET right after a successful PUT can read a truncated
 * file; CI once saw `image-api check` call a just-restored original corrupt. Real S3 never shows
 * a partial object and reads after a write see it, so the test double is made to do the same:
 * write beside, wait for the file to be complete, rename into place.
 */
function makePutsAtomic(store: S3rverStore): void {
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // Not ending in `._S3rver_object`, so listings never show it.
    const partial = `${objectPath}.${randomUUID()}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(
        Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content,
        measure,
        createWriteStream(partial),
      );
      await rename(partial, objectPath);
    } finally {
      await rm(partial, { force: true });
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** A real S3-compatible server (s3rver, from npm) on a free local port, storing in a temporary directory. */
export async function startS3Server(port = 0, options: { unref?: boolean } = {}): Promise<S3Server> {
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: await mkdtemp(join(tmpdir(), 'image-api-s3-')) });
  makePutsAtomic((server as unknown as { store: S3rverStore }).store);
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
    env: {
      DATABASE_URL: schema.url,
      ...s3Env(s3.endpoint, bucket),
      REDIS_URL: REDIS_URL,
      REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
    },
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

/** A suite's title with the backend it runs on, so that the two passes of one file are told apart. */
export function onBackend(title: string): string {
  return `${title} [${backend === 'sqlite' ? 'SQLite + files' : 'PostgreSQL + S3 + Redis'}]`;
}
