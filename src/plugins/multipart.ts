import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Multipart bodies, bounded: one byte over the file limit (so that crossing it is seen, not truncated), few parts. */
export const multipartPlugin = fp(async (app: FastifyInstance, { maxUploadBytes }: { maxUploadBytes: number }) => {
  await app.register(multipart, {
    limits: { fileSize: maxUploadBytes + 1, files: 5, parts: 100, fields: 80, fieldSize: 64 * 1024, headerPairs: 100 },
  });
});
