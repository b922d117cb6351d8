import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../errors.js';
import { PUBLIC } from '../schemas/common.js';
import { allowOnly } from '../http/errors.js';
import { etagMatches } from '../http/negotiation.js';
import { pickEncoding, prefersHtml, type Encoded, type WebApp } from '../http/web-assets.js';

export interface WebRoutesOptions {
  /** The built browser app, or null (not built): then `/` is the JSON API root for everyone. */
  web: WebApp | null;
  publicUrl: string;
}

const YEAR_SECONDS = 365 * 24 * 3600;

/** The endpoints, as DRF's API root lists them: name -> absolute URL. */
function apiRoot(publicUrl: string): Record<string, string> {
  const paths: Record<string, string> = {
    register: '/register/',
    'api-token-auth': '/api-token-auth/',
    regenerateToken: '/regenerateToken/',
    images: '/images/',
    me: '/me/',
    docs: '/docs',
    openapi: '/openapi.json',
  };
  return Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, `${publicUrl}${path}`]));
}

/**
 * The page's own policy, stricter than the API's: scripts and styles only from our files (no inline
 * script or style), images also from the public URL the API signs its links with, no DOM sinks that
 * parse HTML from strings (Trusted Types), no framing.
 */
function pagePolicy(publicUrl: string): string {
  const origin = new URL(publicUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: for previews fetched past the cache after an edit (web/src/detail.ts).
    `img-src 'self' data: blob: ${origin}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    'trusted-types',
  ].join('; ');
}

function sendCached(request: FastifyRequest, reply: FastifyReply, content: Encoded): FastifyReply {
  reply.header('etag', content.etag);
  if (etagMatches(request.headers['if-none-match'], content.etag)) return reply.code(304).send();
  return reply.send(content.body);
}

export async function webRoutes(app: FastifyInstance, { web, publicUrl }: WebRoutesOptions): Promise<void> {
  const root = apiRoot(publicUrl);
  const policy = pagePolicy(publicUrl);
  if (!web) app.log.warn('the web app is not built (npm run build): / answers with the JSON API root only');

  app.get(
    '/',
    {
      schema: {
        summary: 'API root: the endpoints (JSON), or the web app for browsers (Accept: text/html)',
        tags: ['meta'],
        security: PUBLIC,
        operationId: 'getApiRoot',
        response: { 200: { type: 'object', additionalProperties: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      reply.header('vary', 'Accept');
      if (!web || !prefersHtml(request.headers.accept)) return root;
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', policy);
      return sendCached(request, reply, web.index);
    },
  );
  allowOnly(app, '/', ['GET', 'HEAD']);

  app.get('/assets/:file', { schema: { hide: true } }, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const asset = web?.assets.get(request.params.file);
    if (!asset) throw new NotFound();
    const encoding = pickEncoding(request.headers['accept-encoding']);
    reply
      .header('content-type', asset.type)
      .header('cache-control', `public, max-age=${YEAR_SECONDS}, immutable`)
      .header('vary', 'Accept-Encoding');
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return sendCached(request, reply, asset[encoding]);
  });
}
