import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../auth/service.js';
import { InvalidInput } from '../errors.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import { listPosition } from '../http/list-query.js';
import type { ImagePresenter } from '../http/present.js';
import type { Albums } from '../images/albums.js';
import { encodeCursor, NO_FILTERS, type ImageListing } from '../images/listing.js';
import { Album, AlbumChange, AlbumImageIds, AlbumList, AlbumListQuery, NewAlbum } from '../schemas/albums.js';
import { errors, IdParam, NoContent, requires } from '../schemas/common.js';
import { ImageList, TrashQuery } from '../schemas/images.js';

export interface AlbumRoutesOptions {
  auth: AuthService;
  albums: Albums;
  listing: ImageListing;
  presenter: ImagePresenter;
}

const AlbumParams = Type.Object({ id: IdParam });
const AlbumImageParams = Type.Object({ id: IdParam, imageId: IdParam });

function albumCursor(after: number): string {
  return Buffer.from(`album:${after}`).toString('base64url');
}

function afterAlbum(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^album:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidInput({ cursor: ['Invalid cursor.'] });
  return Number(match[1]);
}

/** Albums: ordered sets of the caller's images. */
export const albumRoutes: FastifyPluginAsyncTypebox<AlbumRoutesOptions> = async (app, { auth, albums, listing, presenter }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  const common = { tags: ['albums'] };

  app.post(
    '/albums/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'createAlbum',
        summary: 'Create an album',
        description: 'Title 1-200 characters, description at most 5,000.',
        body: NewAlbum,
        response: { 201: Album, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(presenter.presentAlbum(await albums.create(currentUser(request).id, request.body))),
  );

  app.get(
    '/albums/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'listAlbums',
        summary: "The caller's albums, by id",
        description: 'A plain JSON array; the `Link` header carries the next page (rel="next") when there are more.',
        querystring: AlbumListQuery,
        response: { 200: AlbumList, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const page = await albums.list(currentUser(request).id, limit, afterAlbum(cursor));
      if (page.nextAfter !== null) {
        reply.header('link', `<${presenter.nextPageUrl('/albums/', request.query, albumCursor(page.nextAfter))}>; rel="next"`);
      }
      return page.albums.map((album) => presenter.presentAlbum(album));
    },
  );
  allowOnly(app, '/albums/', ['GET', 'HEAD', 'POST']);

  app.get(
    '/albums/:id/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'getAlbum',
        summary: 'One album',
        params: AlbumParams,
        response: { 200: Album, ...errors(401, 404) },
      },
    },
    async (request) => presenter.presentAlbum(await albums.get(currentUser(request).id, parseId(request.params.id))),
  );

  app.patch(
    '/albums/:id/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'updateAlbum',
        summary: "Change an album's title or description",
        params: AlbumParams,
        body: AlbumChange,
        response: { 200: Album, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => presenter.presentAlbum(await albums.update(currentUser(request).id, parseId(request.params.id), request.body)),
  );

  app.delete(
    '/albums/:id/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'deleteAlbum',
        summary: 'Delete an album (its images stay)',
        params: AlbumParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await albums.delete(currentUser(request).id, parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/albums/:id/', ['GET', 'HEAD', 'PATCH', 'DELETE']);

  app.get(
    '/albums/:id/images/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'listAlbumImages',
        summary: "The album's images in album order (those in the trash left out)",
        description: 'The same as GET /images/?album=<id>&order=album.',
        params: AlbumParams,
        querystring: TrashQuery,
        response: { 200: ImageList, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      const albumId = await albums.rowId(userId, parseId(request.params.id));
      const { limit, cursor } = request.query;
      const page = await listing.list(userId, { ...NO_FILTERS, albumId }, 'album', limit, listPosition(cursor, 'album'));
      if (page.next !== null) {
        const path = `/albums/${request.params.id}/images/`;
        reply.header('link', `<${presenter.nextPageUrl(path, request.query, encodeCursor(page.next))}>; rel="next"`);
      }
      return presenter.showAll(page.images);
    },
  );

  app.post(
    '/albums/:id/images/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'addAlbumImages',
        summary: 'Add images to an album, after those already in it, in the order given',
        description: 'Idempotent: an image already in the album keeps its place. An id that is not yours: 400 naming it, nothing added.',
        params: AlbumParams,
        body: AlbumImageIds,
        response: { 200: Album, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      presenter.presentAlbum(await albums.addImages(currentUser(request).id, parseId(request.params.id), request.body.ids)),
  );

  app.put(
    '/albums/:id/images/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'setAlbumImages',
        summary: 'Set the images of an album and their order',
        description: 'The album then holds exactly these images, in this order (up to 10,000). To reorder, send all its ids.',
        params: AlbumParams,
        body: AlbumImageIds,
        response: { 200: Album, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      presenter.presentAlbum(await albums.setImages(currentUser(request).id, parseId(request.params.id), request.body.ids)),
  );
  allowOnly(app, '/albums/:id/images/', ['GET', 'HEAD', 'POST', 'PUT']);

  app.delete(
    '/albums/:id/images/:imageId/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'removeAlbumImage',
        summary: 'Take an image out of an album (the image stays)',
        params: AlbumImageParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await albums.removeImage(currentUser(request).id, parseId(request.params.id), parseId(request.params.imageId));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/albums/:id/images/:imageId/', ['DELETE']);
};
