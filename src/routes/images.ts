import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { VariantPreset } from '../config.js';
import { InvalidInput, PermissionDenied, Throttled, TooLarge } from '../errors.js';
import { currentUser, requireUser } from '../http/auth.js';
import { deliverImage, type ImageBytes } from '../http/deliver-image.js';
import { allowOnly, HttpError } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import type { ImagePresenter } from '../http/present.js';
import { variantParamsFromQuery } from '../http/variant-query.js';
import type { Albums } from '../images/albums.js';
import type { BulkActions, BulkAction } from '../images/bulk.js';
import type { ImageCatalog } from '../images/catalog.js';
import { decodeFormFilename } from '../images/filename.js';
import type { Ingest, StagedUpload } from '../images/ingest.js';
import { encodeCursor, NO_FILTERS, type ImageListing, type ListPage } from '../images/listing.js';
import type { Clock } from '../clock.js';
import { listFilters, listPosition } from '../http/list-query.js';
import { uploadFields, UPLOAD_FIELDS, type FormFields } from '../http/upload-fields.js';
import type { Metrics } from '../metrics.js';
import { binaryResponse, errors, IdParam, NoContent, requires } from '../schemas/common.js';
import { BulkRequest, BulkResult, ContentQuery, Image, ImageChange, ImageList, ListQuery, TagList, TrashQuery } from '../schemas/images.js';
import { Type } from 'typebox';

export interface ImageRoutesOptions extends ImageBytes {
  auth: AuthService;
  catalog: ImageCatalog;
  listing: ImageListing;
  albums: Albums;
  bulk: BulkActions;
  clock: Clock;
  ingest: Ingest;
  presenter: ImagePresenter;
  maxUploadBytes: number;
  maxConcurrentUploadsPerUser: number;
  presets: readonly VariantPreset[];
  metrics: Metrics;
}

/** Multipart framing around a file is small; a declared length beyond this cannot hold an acceptable upload. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Errors of the body's framing (busboy: "Unexpected end of form", "Part terminated early", ...)
 * are the client's: 400. Errors that already carry a meaning, and system errors (disk, storage),
 * keep it.
 */
function asClientError(error: unknown): unknown {
  if (!(error instanceof Error) || 'statusCode' in error || 'syscall' in error || 'errno' in error) return error;
  if (error instanceof TooLarge || error instanceof InvalidInput) return error;
  return new HttpError(400, { detail: `Multipart form parse error - ${error.message}` });
}

/**
 * Reads the multipart body: the first file in the field `image` is staged, the upload's fields
 * (title, tags, ...) are kept, other parts are drained. Whatever happens after staging, the
 * temporary file is not left behind.
 */
async function receiveImage(request: FastifyRequest, ingest: Ingest): Promise<{ staged: StagedUpload; form: FormFields }> {
  const owner = currentUser(request).id;
  if (!request.isMultipart()) throw new InvalidInput({ image: ['No file was submitted.'] });
  let staged: StagedUpload | undefined;
  const form: FormFields = new Map();
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') {
        if ((UPLOAD_FIELDS as readonly string[]).includes(part.fieldname) && typeof part.value === 'string') {
          form.set(part.fieldname, [...(form.get(part.fieldname) ?? []), part.value]);
        }
        continue;
      }
      const file: MultipartFile = part;
      if (file.fieldname === 'image' && !staged) staged = await ingest.stage(file.file, decodeFormFilename(file.filename), owner);
      else file.file.resume();
    }
  } catch (error) {
    await staged?.discard();
    throw asClientError(error);
  }
  if (!staged) throw new InvalidInput({ image: ['No file was submitted.'] });
  return { staged, form };
}

const IdParams = Type.Object({ id: IdParam });

export const imageRoutes: FastifyPluginAsyncTypebox<ImageRoutesOptions> = async (app, options) => {
  const { auth, catalog, listing, albums, bulk, clock, ingest, presenter, maxUploadBytes, maxConcurrentUploadsPerUser, presets, metrics } =
    options;
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));

  const uploadsInProgress = new Map<number, number>();

  /**
   * Admits an upload: refuses one whose declared length is already too large (before reading any
   * of it), and one from a user who already has MAX_CONCURRENT_UPLOADS_PER_USER in progress here.
   */
  async function admitUpload(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxUploadBytes + MULTIPART_OVERHEAD_BYTES) throw new TooLarge('image', maxUploadBytes);
    const userId = currentUser(request).id;
    const inProgress = uploadsInProgress.get(userId) ?? 0;
    // The connection stays open: the declared length was checked, so Node drains a bounded remainder
    // and the client reads the answer (closing it made clients fail writing the body, with EPIPE).
    if (inProgress >= maxConcurrentUploadsPerUser)
      throw new Throttled(`Too many uploads in progress: at most ${maxConcurrentUploadsPerUser} at once.`, 1);
    uploadsInProgress.set(userId, inProgress + 1);
    // 'close' fires however the exchange ends: answered, failed or abandoned by the client.
    reply.raw.once('close', () => {
      const left = (uploadsInProgress.get(userId) ?? 1) - 1;
      if (left > 0) uploadsInProgress.set(userId, left);
      else uploadsInProgress.delete(userId);
    });
  }

  const common = { tags: ['images'] };

  app.post(
    '/images/',
    {
      onRequest: admitUpload,
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'uploadImage',
        summary: 'Upload an image',
        description:
          'Multipart, the file in the field `image`. The content decides what the file is: JPEG, PNG, WebP, GIF, AVIF or TIFF. ' +
          'Limits: MAX_UPLOAD_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_FRAMES. Optional fields: `title`, `description`, ' +
          '`tags` (comma-separated, or the field repeated), `metadata` (a JSON object), `expires_in` (seconds, at least 60) or ' +
          '`expires_at` (ISO 8601): the image is deleted then.',
        consumes: ['multipart/form-data'],
        response: { 201: Image, ...errors(400, 401, 403, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      const { staged, form } = await receiveImage(request, ingest);
      try {
        const created = await catalog.create(currentUser(request).id, staged, uploadFields(form, clock()));
        metrics.uploadBytes.inc(created.bytes);
        return reply.code(201).send(presenter.present(created));
      } finally {
        await staged.discard();
      }
    },
  );

  app.get(
    '/images/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'listImages',
        summary: "List the caller's images (not those in the trash), filtered and ordered",
        description:
          'A plain JSON array. When there are more, the `Link` header carries the next page (rel="next"), with the same filters. ' +
          'Filters combine (all must hold); `metadata.<key>=<value>` filters on a metadata value.',
        querystring: ListQuery,
        response: { 200: ImageList, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      const { limit, cursor, order } = request.query;
      const albumId = request.query.album === undefined ? null : await albums.rowId(userId, request.query.album);
      const page = await listing.list(userId, listFilters(request.query, albumId), order, limit, listPosition(cursor, order));
      return sendPage(reply, '/images/', request.query, page);
    },
  );
  allowOnly(app, '/images/', ['GET', 'HEAD', 'POST']);

  function sendPage(reply: FastifyReply, path: string, query: Record<string, unknown>, page: ListPage) {
    if (page.next !== null) reply.header('link', `<${presenter.nextPageUrl(path, query, encodeCursor(page.next))}>; rel="next"`);
    return page.images.map((image) => presenter.present(image));
  }

  app.get(
    '/trash/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'listTrash',
        summary: "The caller's images in the trash, most recently trashed last",
        description: `Each is deleted for good TRASH_RETENTION_DAYS after it was trashed; restore it with POST /images/<id>/restore.`,
        querystring: TrashQuery,
        response: { 200: ImageList, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const page = await listing.list(
        currentUser(request).id,
        { ...NO_FILTERS, trashed: true },
        'oldest',
        limit,
        listPosition(cursor, 'oldest'),
      );
      return sendPage(reply, '/trash/', request.query, page);
    },
  );
  allowOnly(app, '/trash/', ['GET', 'HEAD']);

  app.get(
    '/tags/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'listTags',
        summary: "The caller's tags, with how many images (not in the trash) carry each",
        response: { 200: TagList, ...errors(401) },
      },
    },
    async (request) => listing.tags(currentUser(request).id),
  );
  allowOnly(app, '/tags/', ['GET', 'HEAD']);

  app.post(
    '/images/bulk/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'bulkImages',
        summary: 'One action on up to 1,000 images, all or nothing',
        description:
          '`add_tags`/`remove_tags` need `tags`; `add_to_album`/`remove_from_album` need `album`; `delete` also needs the ' +
          'images:delete scope, as does `trash`. One id that is not yours: 400 naming it, and nothing changes.',
        body: BulkRequest,
        response: { 200: BulkResult, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { ids, action, tags, album } = request.body;
      if ((action === 'delete' || action === 'trash') && !user.scopes.has('images:delete')) {
        throw new PermissionDenied('This key lacks the scope images:delete.');
      }
      let bulkAction: BulkAction;
      if (action === 'add_tags' || action === 'remove_tags') bulkAction = { action, tags: tags ?? [] };
      else if (action === 'add_to_album' || action === 'remove_from_album') {
        if (album === undefined) throw new InvalidInput({ album: ['This field is required for this action.'] });
        bulkAction = { action, album };
      } else bulkAction = { action };
      const count = await bulk.apply(user.id, ids, bulkAction);
      return { action, count };
    },
  );
  allowOnly(app, '/images/bulk/', ['POST']);

  app.get(
    '/images/:id/',
    {
      schema: {
        ...common,
        ...requires('images:read'),
        operationId: 'getImage',
        summary: 'One image',
        params: IdParams,
        response: { 200: Image, ...errors(401, 404) },
      },
    },
    async (request) => presenter.present(await catalog.get(currentUser(request).id, parseId(request.params.id))),
  );

  app.put(
    '/images/:id/',
    {
      onRequest: admitUpload,
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'replaceImage',
        summary: 'Replace the content of an image (same id)',
        description:
          'Multipart, the file in the field `image`. Atomic: a replace that fails for any reason leaves the image as it was. ' +
          'The title, description, tags, metadata and albums stay (change them with PATCH).',
        params: IdParams,
        consumes: ['multipart/form-data'],
        response: { 200: Image, ...errors(400, 401, 403, 404, 413, 429, 503) },
      },
    },
    async (request) => {
      const userId = currentUser(request).id;
      const id = parseId(request.params.id);
      await catalog.get(userId, id);
      const { staged } = await receiveImage(request, ingest);
      try {
        const replaced = await catalog.replace(userId, id, staged);
        metrics.uploadBytes.inc(replaced.bytes);
        return presenter.present(replaced);
      } finally {
        await staged.discard();
      }
    },
  );

  app.patch(
    '/images/:id/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'updateImage',
        summary: "Change an image's title, description, tags or metadata",
        description:
          'Only the fields given change. `tags` replaces the tags; `add_tags` and `remove_tags` edit them. `metadata` replaces the ' +
          'metadata (null removes it). Limits: title 200 characters, description 5,000, 50 tags of 1-64 letters, digits, spaces ' +
          'and - _ . : (stored lower-case), metadata 50 string/number/boolean values with keys of at most 64 characters, 8 KB.',
        params: IdParams,
        body: ImageChange,
        response: { 200: Image, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { add_tags: addTags, remove_tags: removeTags, ...rest } = request.body;
      const updated = await catalog.update(currentUser(request).id, parseId(request.params.id), { ...rest, addTags, removeTags });
      return presenter.present(updated);
    },
  );

  for (const [action, scope, summary] of [
    ['trash', 'images:delete', 'Move an image to the trash: hidden from lists, its links and shares stop working until it is restored'],
    ['restore', 'images:write', 'Bring an image back from the trash, with the same id, links and albums'],
  ] as const) {
    app.post(
      `/images/:id/${action}`,
      {
        schema: {
          ...common,
          ...requires(scope),
          operationId: `${action}Image`,
          summary,
          params: IdParams,
          response: { 200: Image, ...errors(401, 403, 404) },
        },
      },
      async (request) => {
        const userId = currentUser(request).id;
        const id = parseId(request.params.id);
        return presenter.present(action === 'trash' ? await catalog.trash(userId, id) : await catalog.restore(userId, id));
      },
    );
    allowOnly(app, `/images/:id/${action}`, ['POST']);
  }

  app.delete(
    '/images/:id/',
    {
      schema: {
        ...common,
        ...requires('images:delete'),
        operationId: 'deleteImage',
        summary: 'Delete an image for good (POST /images/<id>/trash moves it to the trash instead)',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      await catalog.delete(currentUser(request).id, parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/images/:id/', ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

  // HEAD is declared, not derived, so that it keeps the real Content-Length; it is its own operation in the spec.
  for (const [method, operationId] of [
    ['GET', 'getImageContent'],
    ['HEAD', 'headImageContent'],
  ] as const) {
    app.route({
      method,
      exposeHeadRoute: false,
      url: '/images/:id/content',
      schema: {
        ...common,
        ...requires('images:read'),
        operationId,
        summary: 'The image bytes, or a variant of them, for the owner',
        description:
          'Without parameters: the stored original. With w/h/fit/format/q/dpr/enlarge or preset: a variant, rendered on first use ' +
          'and cached. Supports HEAD, Range and If-None-Match.',
        params: IdParams,
        querystring: ContentQuery,
        response: { 200: binaryResponse, 206: binaryResponse, 304: NoContent, ...errors(400, 401, 404, 416, 503) },
      },
      handler: async (request, reply) => {
        const image = await catalog.get(currentUser(request).id, parseId(request.params.id));
        return deliverImage(request, reply, options, image, variantParamsFromQuery(request.query, presets), 'private, no-cache');
      },
    });
  }
  allowOnly(app, '/images/:id/content', ['GET', 'HEAD']);
};
