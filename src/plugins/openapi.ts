import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { hoistNamedSchemas } from '../http/openapi-components.js';
import { MultipartImage } from '../schemas/images.js';
import { NAMED_SCHEMAS } from '../schemas/index.js';

/**
 * Swagger UI's own files, found through Node's resolver: the plugin would look next to its own code,
 * which is not where it is once the server is bundled (scripts/bundle.mjs).
 */
const SWAGGER_UI_STATIC = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')), 'static');

/** The OpenAPI 3.1 spec, generated from the route schemas, at /openapi.json; Swagger UI at /docs. */
export const openapiPlugin = fp(async (app: FastifyInstance, { publicUrl, version }: { publicUrl: string; version: string }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'image-api',
        version,
        description:
          'Self-hosted image management. Authenticate with your API token: `Authorization: Bearer <token>` ' +
          "(or DRF's `Authorization: Token <token>`). In /docs, paste the bare token into Authorize.",
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          token: {
            type: 'http',
            scheme: 'bearer',
            description: "Your API token (the web app's Copy button gives it). `Token <token>` works too.",
          },
        },
      },
      tags: [
        { name: 'accounts', description: 'Registration and API tokens' },
        { name: 'images', description: "The caller's images" },
        { name: 'media', description: 'Image bytes through signed links' },
        { name: 'presets', description: 'Your named variant parameters' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'keys', description: 'API keys with scopes: least privilege for each integration' },
        { name: 'admin', description: 'Operators only: accounts of admin users' },
        { name: 'meta', description: 'The API root and the web app' },
      ],
    },
    // Multipart uploads are streamed by their handlers; the spec still documents their fields.
    transform: ({ schema, url }) => {
      const consumes = (schema as { consumes?: string[] } | undefined)?.consumes;
      return { schema: consumes?.includes('multipart/form-data') ? { ...schema, body: MultipartImage } : schema, url };
    },
    transformObject: (documentObject) => hoistNamedSchemas((documentObject as { openapiObject: object }).openapiObject, NAMED_SCHEMAS),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    baseDir: SWAGGER_UI_STATIC,
    logo: { type: 'image/svg+xml', content: readFileSync(join(SWAGGER_UI_STATIC, 'logo.svg')) },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
