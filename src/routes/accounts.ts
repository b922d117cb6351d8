import type {} from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { emptyBodyAsForm } from '../http/forms.js';
import { Credentials, Registration, TokenBody } from '../schemas/accounts.js';
import { errors, PUBLIC, requires } from '../schemas/common.js';

export interface AccountRoutesOptions {
  auth: AuthService;
  rateLimit: { max: number; timeWindow: number };
}

export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { auth, rateLimit }) => {
  const limited = { rateLimit };
  const consumes = ['application/json', 'application/x-www-form-urlencoded'];
  const tags = ['accounts'];

  app.post(
    '/register/',
    {
      config: limited,
      preValidation: emptyBodyAsForm,
      schema: {
        tags,
        security: PUBLIC,
        operationId: 'register',
        summary: 'Create an account and get its API token',
        consumes,
        body: Registration,
        response: { 201: TokenBody, ...errors(400, 429) },
      },
    },
    async (request, reply) => reply.code(201).send({ token: await auth.register(request.body) }),
  );
  allowOnly(app, '/register/', ['POST']);

  app.post(
    '/api-token-auth/',
    {
      config: limited,
      preValidation: emptyBodyAsForm,
      schema: {
        tags,
        security: PUBLIC,
        operationId: 'obtainToken',
        summary: "Exchange username and password for the user's current API token",
        consumes,
        body: Credentials,
        response: { 200: TokenBody, ...errors(400, 429) },
      },
    },
    async (request) => ({ token: await auth.login(request.body, request.ip) }),
  );
  allowOnly(app, '/api-token-auth/', ['POST']);

  app.get(
    '/regenerateToken/',
    {
      // A HEAD must not replace the token as a side effect.
      exposeHeadRoute: false,
      onRequest: requireUser(auth),
      schema: {
        tags,
        ...requires('account'),
        operationId: 'regenerateToken',
        summary: 'Replace the API token; the old one is refused from this moment',
        response: { 200: TokenBody, ...errors(401) },
      },
    },
    async (request) => ({ token: await auth.regenerate(currentUser(request).id) }),
  );
  allowOnly(app, '/regenerateToken/', ['GET']);
};
