import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SecurityOptions {
  publicUrl: string;
  corsOrigins: readonly string[];
}

/** Security headers and the request id (for support and logs) on every response; CORS only for the origins configured. */
export const securityPlugin = fp(async (app: FastifyInstance, { publicUrl, corsOrigins }: SecurityOptions) => {
  // Without CORS headers, browsers keep other sites' pages from reading the API.
  if (corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      // The tus headers, so that a browser tus client on an allowed origin can upload and resume.
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'Idempotency-Key',
        'Tus-Resumable',
        'Upload-Length',
        'Upload-Metadata',
        'Upload-Offset',
        'Upload-Checksum',
      ],
      exposedHeaders: [
        'Link',
        'X-Request-Id',
        'Location',
        'Tus-Resumable',
        'Tus-Version',
        'Tus-Extension',
        'Tus-Max-Size',
        'Tus-Checksum-Algorithm',
        'Upload-Offset',
        'Upload-Length',
        'Upload-Expires',
      ],
      maxAge: 600,
    });
  }
  const headers = securityHeaders(publicUrl);
  // One synchronous hook that copies a frozen set: @fastify/helmet rebuilt helmet's middleware (parsing the
  // CSP directives again) on every request, 5% of the CPU of a metadata read.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  });
});

/**
 * The headers helmet would set, computed once by running its middleware against a recording response.
 * Routes that serve capability links or sandboxed bytes override what they must (CORP, CSP).
 */
export function securityHeaders(publicUrl: string): Readonly<Record<string, string>> {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Deployments on plain http (the default) must still load /docs.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // HSTS means something only to a client that reached us over https.
    strictTransportSecurity: publicUrl.startsWith('https:'),
  });
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: () => undefined,
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}
