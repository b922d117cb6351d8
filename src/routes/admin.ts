import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountAdmin } from '../auth/admin.js';
import type { AuthService } from '../auth/service.js';
import { ApiError } from '../errors.js';
import { currentUser, requireUser, TOKEN_SECURITY } from '../http/auth.js';
import { errorSchema } from './schemas.js';

export interface AdminRoutesOptions {
  auth: AuthService;
  admin: AccountAdmin;
}

const userSchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    email: { type: 'string', nullable: true },
    admin: { type: 'boolean' },
    disabled: { type: 'boolean' },
    images: { type: 'integer' },
    bytes: { type: 'integer', description: 'Bytes of the images (shared content counted for each image)' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const usernameParams = { type: 'object', properties: { username: { type: 'string', maxLength: 150 } }, required: ['username'] } as const;
type ByName = FastifyRequest<{ Params: { username: string } }>;

/** Operators' API: only for admin accounts (`image-api users make-admin <name>`). */
export async function adminRoutes(app: FastifyInstance, { auth, admin }: AdminRoutesOptions): Promise<void> {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  app.addHook('onRequest', async (request) => {
    if (!currentUser(request).admin) throw new ApiError(403, { detail: 'You do not have permission to perform this action.' });
  });
  const common = { tags: ['admin'], security: TOKEN_SECURITY };
  const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema };

  app.get(
    '/admin/users/',
    { schema: { ...common, summary: 'Every account with its usage', response: { 200: { type: 'array', items: userSchema }, ...errors } } },
    () => admin.list(),
  );

  for (const [action, summary] of [
    ['disable', 'Disable an account: its token is refused from the next request'],
    ['enable', 'Enable a disabled account'],
    ['revoke-token', "Revoke an account's token"],
  ] as const) {
    app.post(
      `/admin/users/:username/${action}`,
      { schema: { ...common, summary, params: usernameParams, response: { 200: userSchema, ...errors } } },
      async (request: ByName) => {
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
        summary: 'Delete an account and its images (bytes other accounts share are kept)',
        params: usernameParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request: ByName, reply) => {
      await admin.delete(request.params.username);
      return reply.code(204).send();
    },
  );
}
