import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AccountAdmin } from '../auth/admin.js';
import type { ApiKeys } from '../auth/keys.js';
import { Key } from '../schemas/keys.js';
import { IdParam } from '../schemas/common.js';
import { parseId } from '../http/ids.js';
import { presentKey } from './keys.js';
import type { AuthService } from '../auth/service.js';
import { PermissionDenied } from '../errors.js';
import { currentUser, requireUser } from '../http/auth.js';
import { AdminUser, UsernameParams } from '../schemas/accounts.js';
import { errors, NoContent, requires } from '../schemas/common.js';

export interface AdminRoutesOptions {
  auth: AuthService;
  admin: AccountAdmin;
  keys: ApiKeys;
}

const ACTIONS = {
  disable: { operationId: 'adminDisableUser', summary: 'Disable an account: its token is refused from the next request' },
  enable: { operationId: 'adminEnableUser', summary: 'Enable a disabled account' },
  'revoke-token': { operationId: 'adminRevokeToken', summary: "Revoke an account's token" },
} as const;

/** Operators' API: only for admin accounts (`image-api users make-admin <name>`). */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { auth, admin, keys }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  app.addHook('onRequest', async (request) => {
    if (!currentUser(request).admin) throw new PermissionDenied();
  });
  const common = { tags: ['admin'], ...requires('admin') };
  const refusals = errors(401, 403, 404);

  app.get(
    '/admin/users/',
    {
      schema: {
        ...common,
        operationId: 'adminListUsers',
        summary: 'Every account with its usage',
        response: { 200: Type.Array(AdminUser), ...refusals },
      },
    },
    () => admin.list(),
  );

  for (const [action, { operationId, summary }] of Object.entries(ACTIONS)) {
    app.post(
      `/admin/users/:username/${action}`,
      { schema: { ...common, operationId, summary, params: UsernameParams, response: { 200: AdminUser, ...refusals } } },
      async (request) => {
        const { username } = request.params;
        if (action === 'revoke-token') await admin.revokeToken(username);
        else await admin.setDisabled(username, action === 'disable');
        return admin.find(username);
      },
    );
  }

  app.delete(
    '/admin/users/:username/',
    {
      schema: {
        ...common,
        operationId: 'adminDeleteUser',
        summary: 'Delete an account and its images (bytes other accounts share are kept)',
        params: UsernameParams,
        response: { 204: NoContent, ...refusals },
      },
    },
    async (request, reply) => {
      await admin.delete(request.params.username);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/users/:username/keys/',
    {
      schema: {
        ...common,
        operationId: 'adminListKeys',
        summary: "An account's API keys (without their secrets)",
        params: UsernameParams,
        response: { 200: Type.Array(Key), ...refusals },
      },
    },
    async (request) => (await keys.list(await admin.idOf(request.params.username))).map(presentKey),
  );

  app.delete(
    '/admin/users/:username/keys/:id/',
    {
      schema: {
        ...common,
        operationId: 'adminRevokeKey',
        summary: "Revoke one of an account's API keys",
        params: Type.Object({ username: UsernameParams.properties.username, id: IdParam }),
        response: { 204: NoContent, ...refusals },
      },
    },
    async (request, reply) => {
      await keys.revoke(await admin.idOf(request.params.username), parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
};
