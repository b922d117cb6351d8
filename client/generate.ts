/**
 * Generates client/schema.d.ts (the API's types) from the OpenAPI spec the server builds from its
 * route schemas: no hand-written copy of any request or response shape.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const SCHEMA_FILE = join(import.meta.dirname, 'schema.d.ts');

/** The spec as a fresh server (SQLite, a scratch data directory) publishes it at /openapi.json. */
export async function currentSpec(): Promise<OpenAPI3> {
  const dataDir = await mkdtemp(join(tmpdir(), 'image-api-spec-'));
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'http://127.0.0.1:8000',
      SECRET_KEY: 'spec-generation-key-0123456789abcdef',
    });
    const { app } = await buildApp(config);
    try {
      await app.ready();
      return app.swagger() as OpenAPI3;
    } finally {
      await app.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function generateSchemaTypes(spec: OpenAPI3): Promise<string> {
  const header = '// Generated from the OpenAPI spec by `npm run build:client` (client/generate.ts). Do not edit.\n\n';
  return header + astToString(await openapiTS(spec));
}
