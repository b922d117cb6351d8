import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiKey, ApiKeys } from '../auth/keys.js';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import { errors, IdParam, NoContent, requires } from '../schemas/common.js';
import { Key, KeyChange, KeyCreation, NewKey, type Key as KeyJson } from '../schemas/keys.js';

export interface KeyRoutesOptions {
  auth: AuthService;
  keys: ApiKeys;
}

export function presentKey(key: ApiKey): KeyJson {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    prefix: key.prefix,
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    last_used_at: key.lastUsedAt,
    last_used_from: key.lastUsedFrom,
  };
}

const IdParams = Type.Object({ id: IdParam });

/** The caller's API keys: several per account, each limited to its scopes. */
export const keyRoutes: FastifyPluginAsyncTypebox<KeyRoutesOptions> = async (app, { auth, keys }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  const common = { tags: ['keys'], ...requires('keys') };

  app.post(
    '/keys/',
    {
      schema: {
        ...common,
        operationId: 'createKey',
        summary: 'Create an API key (its secret is shown once)',
        description: 'It may hold only scopes the credentials used here hold (`admin` only for admin accounts). Up to 50 keys per account.',
        body: KeyCreation,
        response: { 201: NewKey, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const { key, secret } = await keys.create(user.id, user, {
        name: request.body.name,
        scopes: request.body.scopes,
        expiresAt: request.body.expires_at ?? null,
      });
      return reply.code(201).send({ ...presentKey(key), key: secret });
    },
  );

  app.get(
    '/keys/',
    {
      schema: {
        ...common,
        operationId: 'listKeys',
        summary: 'Your API keys (without their secrets)',
        response: { 200: Type.Array(Key), ...errors(401, 403) },
      },
    },
    async (request) => (await keys.list(currentUser(request).id)).map(presentKey),
  );
  allowOnly(app, '/keys/', ['GET', 'HEAD', 'POST']);

  app.get(
    '/keys/:id/',
    {
      schema: {
        ...common,
        operationId: 'getKey',
        summary: 'One API key',
        params: IdParams,
        response: { 200: Key, ...errors(401, 403, 404) },
      },
    },
    async (request) => presentKey(await keys.get(currentUser(request).id, parseId(request.params.id))),
  );

  app.patch(
    '/keys/:id/',
    {
      schema: {
        ...common,
        operationId: 'updateKey',
        summary: 'Rename a key or narrow its scopes',
        params: IdParams,
        body: KeyChange,
        response: { 200: Key, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => presentKey(await keys.update(currentUser(request).id, parseId(request.params.id), request.body)),
  );

  app.delete(
    '/keys/:id/',
    {
      schema: {
        ...common,
        operationId: 'revokeKey',
        summary: 'Revoke a key at once (on every instance)',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await keys.revoke(currentUser(request).id, parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/keys/:id/', ['GET', 'HEAD', 'PATCH', 'DELETE']);
};
