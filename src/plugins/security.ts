import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityOptions {
  publicUrl: string;
  corsOrigins: readonly string[];
}

/** Security headers on every response, and CORS only for the origins configured (closed by default). */
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
  await app.register(helmet, {
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
});
