import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService, Credentials } from '../auth/service.js';
import { allowOnly } from '../http/errors.js';
import { requireUser, currentUser, TOKEN_SECURITY } from '../http/auth.js';
import { credentialsBody, errorSchema, registrationBody, tokenSchema } from './schemas.js';

export interface AccountRoutesOptions {
  auth: AuthService;
  rateLimit: { max: number; timeWindow: number };
}

/** A missing or empty body is an empty form: its fields are then reported as required. */
async function bodyAsForm(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

export async function accountRoutes(app: FastifyInstance, { auth, rateLimit }: AccountRoutesOptions): Promise<void> {
  const limited = { rateLimit };
  const consumes = ['application/json', 'application/x-www-form-urlencoded'];

  app.post(
    '/register/',
    {
      config: limited,
      preValidation: bodyAsForm,
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and get its API token',
        consumes,
        body: registrationBody,
        response: { 201: tokenSchema, 400: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => reply.code(201).send({ token: await auth.register(request.body as Credentials) }),
  );
  allowOnly(app, '/register/', ['POST']);

  app.post(
    '/api-token-auth/',
    {
      config: limited,
      preValidation: bodyAsForm,
      schema: {
        tags: ['accounts'],
        summary: "Exchange username and password for the user's current API token",
        consumes,
        body: credentialsBody,
        response: { 200: tokenSchema, 400: errorSchema, 429: errorSchema },
      },
    },
    async (request) => ({ token: await auth.login(request.body as Credentials) }),
  );
  allowOnly(app, '/api-token-auth/', ['POST']);

  app.get(
    '/regenerateToken/',
    {
      // A HEAD must not replace the token as a side effect.
      exposeHeadRoute: false,
      onRequest: requireUser(auth),
      schema: {
        tags: ['accounts'],
        summary: 'Replace the API token; the old one is refused from this moment',
        security: TOKEN_SECURITY,
        response: { 200: tokenSchema, 401: errorSchema },
      },
    },
    async (request) => ({ token: await auth.regenerate(currentUser(request).id) }),
  );
  allowOnly(app, '/regenerateToken/', ['GET']);
}
