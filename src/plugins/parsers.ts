import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJsonParse from 'secure-json-parse';
import { HttpError } from '../http/errors.js';

export const JSON_BODY_LIMIT = 64 * 1024;

/**
 * The bodies this API reads besides multipart: JSON (without prototype pollution) and urlencoded
 * forms, each at most 64 KiB. Anything else is 415.
 */
export const parsersPlugin = fp(async (app: FastifyInstance) => {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, {});
    try {
      done(null, secureJsonParse.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }));
    } catch (error) {
      done(new HttpError(400, { detail: `JSON parse error - ${(error as Error).message}` }), undefined);
    }
  });
  await app.register(formbody, { bodyLimit: JSON_BODY_LIMIT });
});
