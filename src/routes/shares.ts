import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import type { SharePresenter } from '../http/present-share.js';
import { errors, IdParam, NoContent, requires } from '../schemas/common.js';
import { NewShare, Share, ShareChange, ShareListQuery, type ShareChange as ShareChangeBody } from '../schemas/shares.js';
import type { ShareSettings, Shares } from '../shares/shares.js';

export interface ShareRoutesOptions {
  auth: AuthService;
  shares: Shares;
  presenter: SharePresenter;
}

function settings(body: ShareChangeBody): ShareSettings {
  return {
    label: body.label,
    expiresAt: body.expires_at,
    password: body.password,
    maxViews: body.max_views,
    presets: body.presets,
    allowOriginal: body.allow_original,
    allowDownload: body.allow_download,
    indexable: body.indexable,
    showExif: body.show_exif,
    showLocation: body.show_location,
  };
}

/** The owner's share links: make, list, change and revoke them. */
export const shareRoutes: FastifyPluginAsyncTypebox<ShareRoutesOptions> = async (app, { auth, shares, presenter }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  const common = { tags: ['shares'], ...requires('shares') };
  const ShareParams = Type.Object({ id: IdParam });

  app.post(
    '/shares/',
    {
      schema: {
        ...common,
        operationId: 'createShare',
        summary: 'Share an image or an album through a link of its own',
        description:
          'Exactly one of `image` and `album`. The `url` (`<PUBLIC_URL>/s/<token>`) is shown this once: only a hash of its ' +
          'token is kept. The link stops when revoked, expired, past `max_views`, when the image is deleted or in the ' +
          'trash (for an album: image by image), or when the owner is disabled.',
        body: NewShare,
        response: { 201: Share, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      const { image, album, ...rest } = request.body;
      const { share, token } = await shares.create(userId, { image, album }, settings(rest));
      const content = await shares.content(share).catch(() => null);
      return reply.code(201).send(await presenter.present(share, token, content?.images[0] ?? null));
    },
  );

  app.get(
    '/shares/',
    {
      schema: {
        ...common,
        operationId: 'listShares',
        summary: "The caller's share links (without their URLs), optionally of one image or album",
        querystring: ShareListQuery,
        response: { 200: Type.Array(Share), ...errors(400, 401, 403) },
      },
    },
    async (request) =>
      Promise.all((await shares.list(currentUser(request).id, request.query)).map((share) => presenter.present(share, null))),
  );
  allowOnly(app, '/shares/', ['GET', 'HEAD', 'POST']);

  app.get(
    '/shares/:id/',
    {
      schema: {
        ...common,
        operationId: 'getShare',
        summary: 'One share link',
        params: ShareParams,
        response: { 200: Share, ...errors(401, 403, 404) },
      },
    },
    async (request) => await presenter.present(await shares.get(currentUser(request).id, parseId(request.params.id)), null),
  );

  app.patch(
    '/shares/:id/',
    {
      schema: {
        ...common,
        operationId: 'updateShare',
        summary: "Change a share's label, expiry, password, view limit or what it allows",
        params: ShareParams,
        body: ShareChange,
        response: { 200: Share, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      await presenter.present(await shares.update(currentUser(request).id, parseId(request.params.id), settings(request.body)), null),
  );

  app.delete(
    '/shares/:id/',
    {
      schema: {
        ...common,
        operationId: 'revokeShare',
        summary: 'Revoke a share link at once',
        description: 'The origin refuses it from now on; a CDN may keep serving what it cached for up to its max-age.',
        params: ShareParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await shares.delete(currentUser(request).id, parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/shares/:id/', ['GET', 'HEAD', 'PATCH', 'DELETE']);
};
