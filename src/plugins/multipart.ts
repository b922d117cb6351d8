import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Multipart bodies, bounded: one byte over the file limit (so that crossing it is seen, not truncated), few parts. */
export const multipartPlugin = fp(
  async (app: FastifyInstance, { maxUploadBytes, maxFiles }: { maxUploadBytes: number; maxFiles: number }) => {
    // One file part more than allowed is let through, so that the route names the limit in its 400.
    await app.register(multipart, {
      limits: {
        fileSize: maxUploadBytes + 1,
        files: maxFiles + 5,
        parts: maxFiles + 100,
        fields: 80,
        fieldSize: 64 * 1024,
        headerPairs: 100,
      },
    });
  },
);
