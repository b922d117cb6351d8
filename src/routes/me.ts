import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccountAdmin } from '../auth/admin.js';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { emptyBodyAsForm } from '../http/forms.js';
import type { ImageCatalog } from '../images/catalog.js';
import { AccountDeletion, Me, PasswordChange, TokenBody } from '../schemas/accounts.js';
import { errors, NoContent, requires } from '../schemas/common.js';

export interface MeRoutesOptions {
  auth: AuthService;
  catalog: ImageCatalog;
  admin: AccountAdmin;
  maxUploadBytes: number;
  maxResumableUploadBytes: number;
  /** Per client address, on the routes that check a password. */
  rateLimit: { max: number; timeWindow: number };
}

export const meRoutes: FastifyPluginAsyncTypebox<MeRoutesOptions> = async (app, options) => {
  const { auth, catalog, admin, maxUploadBytes, maxResumableUploadBytes, rateLimit } = options;
  app.decorateRequest('user', null);
  // Per route, so that the 405 answers of these paths need no credentials.
  const onRequest = requireUser(auth);
  const common = { tags: ['accounts'] };

  app.get(
    '/me/',
    {
      onRequest,
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'getMe',
        summary: 'The caller: name, usage and limits',
        description:
          'Limits of 0 mean unlimited (`upload_bytes` is always set). Bytes count each image, also when identical files share storage.',
        response: { 200: Me, ...errors(401) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return {
        username: user.username,
        usage: await catalog.usage(user.id),
        trash: await catalog.usage(user.id, undefined, true),
        limits: { ...catalog.quotas, upload_bytes: maxUploadBytes, resumable_upload_bytes: maxResumableUploadBytes },
      };
    },
  );

  app.delete(
    '/me/',
    {
      onRequest,
      preValidation: emptyBodyAsForm,
      config: { rateLimit },
      schema: {
        ...common,
        ...requires('account'),
        operationId: 'deleteMe',
        summary: 'Delete your account and all your images',
        description: 'Asks for your password. Irreversible: the images go, the token, links and shares stop at once.',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: AccountDeletion,
        response: { 204: NoContent, ...errors(400, 401, 409, 429) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      await auth.confirmPassword(userId, request.body.password, 'password', request.ip);
      await admin.deleteById(userId);
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/me/', ['GET', 'HEAD', 'DELETE']);

  app.post(
    '/me/password/',
    {
      onRequest,
      config: { rateLimit },
      schema: {
        ...common,
        ...requires('account'),
        operationId: 'changePassword',
        description: 'Failed checks count like failed logins (429 past the limit); rate-limited per client address.',
        summary: 'Change your password; the token is replaced (the old one stops working)',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: PasswordChange,
        response: { 200: TokenBody, ...errors(400, 401, 429) },
      },
    },
    async (request) => ({
      token: await auth.changePassword(currentUser(request).id, request.body.old_password, request.body.new_password, request.ip),
    }),
  );
  allowOnly(app, '/me/password/', ['POST']);

  app.post(
    '/me/revoke-links',
    {
      onRequest,
      schema: {
        ...common,
        ...requires('account'),
        operationId: 'revokeLinks',
        summary: 'End every signed link of your images at once',
        description:
          'Rotates the key your links carry: every `url`, `variants` and `srcset` link handed out so far stops working (403); ' +
          'image JSON fetched afterwards carries new ones. Your token is not affected.',
        response: { 204: NoContent, ...errors(401) },
      },
    },
    async (request, reply) => {
      await auth.revokeLinks(currentUser(request).id);
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/me/revoke-links', ['POST']);
};
