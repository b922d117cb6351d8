import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccountAdmin } from '../auth/admin.js';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import type { ImageCatalog } from '../images/catalog.js';
import { Me, PasswordChange, TokenBody } from '../schemas/accounts.js';
import { AUTHENTICATED, errors, NoContent } from '../schemas/common.js';

export interface MeRoutesOptions {
  auth: AuthService;
  catalog: ImageCatalog;
  admin: AccountAdmin;
  maxUploadBytes: number;
}

export const meRoutes: FastifyPluginAsyncTypebox<MeRoutesOptions> = async (app, { auth, catalog, admin, maxUploadBytes }) => {
  app.decorateRequest('user', null);
  // Per route, so that the 405 answers of these paths need no credentials.
  const onRequest = requireUser(auth);
  const common = { tags: ['accounts'], security: AUTHENTICATED };

  app.get(
    '/me/',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'getMe',
        summary: 'The caller: name, usage and limits',
        description:
          'Limits of 0 mean unlimited (`upload_bytes` is always set). Bytes count each image, also when identical files share storage.',
        response: { 200: Me, ...errors(401) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return { username: user.username, usage: await catalog.usage(user.id), limits: { ...catalog.quotas, upload_bytes: maxUploadBytes } };
    },
  );

  app.delete(
    '/me/',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'deleteMe',
        summary: 'Delete your account and all your images',
        response: { 204: NoContent, ...errors(401) },
      },
    },
    async (request, reply) => {
      await admin.deleteById(currentUser(request).id);
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/me/', ['GET', 'HEAD', 'DELETE']);

  app.post(
    '/me/password/',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'changePassword',
        summary: 'Change your password; the token is replaced (the old one stops working)',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: PasswordChange,
        response: { 200: TokenBody, ...errors(400, 401) },
      },
    },
    async (request) => ({
      token: await auth.changePassword(currentUser(request).id, request.body.old_password, request.body.new_password),
    }),
  );
  allowOnly(app, '/me/password/', ['POST']);
};
