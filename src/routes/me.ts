import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser, TOKEN_SECURITY } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import type { ImageService } from '../images/service.js';
import { errorSchema } from './schemas.js';

export interface MeRoutesOptions {
  auth: AuthService;
  images: ImageService;
}

const countsSchema = {
  type: 'object',
  properties: { images: { type: 'integer' }, bytes: { type: 'integer' } },
} as const;

export async function meRoutes(app: FastifyInstance, { auth, images }: MeRoutesOptions): Promise<void> {
  app.decorateRequest('user', null);
  app.get(
    '/me/',
    {
      onRequest: requireUser(auth),
      schema: {
        tags: ['accounts'],
        summary: 'The caller: name, usage and limits',
        description: 'Limits of 0 mean unlimited. Bytes count each image, also when identical files share storage.',
        security: TOKEN_SECURITY,
        response: {
          200: { type: 'object', properties: { username: { type: 'string' }, usage: countsSchema, limits: countsSchema } },
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return { username: user.username, usage: await images.usage(user.id), limits: images.limits };
    },
  );
  allowOnly(app, '/me/', ['GET', 'HEAD']);
}
