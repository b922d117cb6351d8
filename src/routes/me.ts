import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountAdmin } from '../auth/admin.js';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser, TOKEN_SECURITY } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import type { ImageService } from '../images/service.js';
import { errorSchema, tokenSchema } from './schemas.js';

export interface MeRoutesOptions {
  auth: AuthService;
  images: ImageService;
  admin: AccountAdmin;
  maxUploadBytes: number;
}

const countsSchema = {
  type: 'object',
  properties: { images: { type: 'integer' }, bytes: { type: 'integer' } },
} as const;

const limitsSchema = {
  type: 'object',
  properties: { ...countsSchema.properties, upload_bytes: { type: 'integer', description: 'Largest accepted file' } },
} as const;

export async function meRoutes(app: FastifyInstance, { auth, images, admin, maxUploadBytes }: MeRoutesOptions): Promise<void> {
  app.decorateRequest('user', null);
  app.get(
    '/me/',
    {
      onRequest: requireUser(auth),
      schema: {
        tags: ['accounts'],
        summary: 'The caller: name, usage and limits',
        description:
          'Limits of 0 mean unlimited (`upload_bytes` is always set). Bytes count each image, also when identical files share storage.',
        security: TOKEN_SECURITY,
        response: {
          200: { type: 'object', properties: { username: { type: 'string' }, usage: countsSchema, limits: limitsSchema } },
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return { username: user.username, usage: await images.usage(user.id), limits: { ...images.limits, upload_bytes: maxUploadBytes } };
    },
  );

  app.delete(
    '/me/',
    {
      onRequest: requireUser(auth),
      schema: {
        tags: ['accounts'],
        summary: 'Delete your account and all your images',
        security: TOKEN_SECURITY,
        response: { 204: { type: 'null' }, 401: errorSchema },
      },
    },
    async (request, reply) => {
      await admin.deleteById(currentUser(request).id);
      return reply.code(204).send();
    },
  );
  allowOnly(app, '/me/', ['GET', 'HEAD', 'DELETE']);

  app.post(
    '/me/password/',
    {
      onRequest: requireUser(auth),
      schema: {
        tags: ['accounts'],
        summary: 'Change your password; the token is replaced (the old one stops working)',
        security: TOKEN_SECURITY,
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: {
          type: 'object',
          properties: { old_password: { type: 'string', maxLength: 128 }, new_password: { type: 'string', maxLength: 128 } },
          required: ['old_password', 'new_password'],
        },
        response: { 200: tokenSchema, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request: FastifyRequest<{ Body: { old_password: string; new_password: string } }>) => ({
      token: await auth.changePassword(currentUser(request).id, request.body.old_password, request.body.new_password),
    }),
  );
  allowOnly(app, '/me/password/', ['POST']);
}
