import type { FastifyRequest } from 'fastify';

/** A preValidation hook: a missing or empty body is an empty form, so that its fields are reported as required. */
export async function emptyBodyAsForm(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
