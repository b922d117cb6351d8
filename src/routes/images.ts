import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { PresetBook } from '../http/preset-book.js';
import { DomainError, InvalidInput, NotFound, PermissionDenied, Throttled, TooLarge, Unprocessable } from '../errors.js';
import { currentUser, requireUser } from '../http/auth.js';
import { deliverImage, type ImageBytes } from '../http/deliver-image.js';
import { allowOnly, domainErrorResponse } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import type { ImagePresenter } from '../http/present.js';
import { variantParamsFromQuery } from '../http/variant-query.js';
import type { Albums } from '../images/albums.js';
import type { BulkActions, BulkAction } from '../images/bulk.js';
import { withinAll, type ImageCatalog, type NewImageFields, type WithinCommit } from '../images/catalog.js';
import {
  fingerprint,
  IDEMPOTENCY_HEADER,
  idempotencyKey,
  type IdempotencyKeys,
  type StoredAnswer,
  type StoredResult,
} from '../images/idempotency.js';
import type { Ingest } from '../images/ingest.js';
import type { UrlImport } from '../images/url-import.js';
import { receiveUpload, type ReceivedFile } from '../http/receive-upload.js';
import { encodeCursor, NO_FILTERS, type ImageListing, type ListPage } from '../images/listing.js';
import type { Clock } from '../clock.js';
import { listFilters, listPosition } from '../http/list-query.js';
import { uploadFields } from '../http/upload-fields.js';
import type { Metrics } from '../metrics.js';
import { binaryResponse, errors, IdParam, NoContent, requires } from '../schemas/common.js';
import {
  BulkRequest,
  BulkResult,
  ContentQuery,
  Image,
  UploadResults,
  ImageChange,
  ImageList,
  ListQuery,
  TagList,
  TrashQuery,
} from '../schemas/images.js';
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
  maxFilesPerRequest: number;
  maxUploadRequestBytes: number;
  maxConcurrentUploadsPerUser: number;
  urlImport: UrlImport;
  idempotency: IdempotencyKeys;
  presetBook: PresetBook;
  metrics: Metrics;
}

/** Multipart framing around a file is small; a declared length beyond this cannot hold an acceptable upload. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const IdParams = Type.Object({ id: IdParam });
const RawUploadQuery = Type.Object(
  { filename: Type.Optional(Type.String({ maxLength: 1000, description: 'The file name of an image sent as the whole body' })) },
  { additionalProperties: false },
);

const JSON_TYPE = 'application/json; charset=utf-8';

export const imageRoutes: FastifyPluginAsyncTypebox<ImageRoutesOptions> = async (app, options) => {
  const {
    auth,
    catalog,
    listing,
    albums,
    bulk,
    clock,
    ingest,
    presenter,
    maxUploadBytes,
    maxFilesPerRequest,
    maxConcurrentUploadsPerUser,
  } = options;
  const { presetBook, metrics, urlImport, idempotency, maxUploadRequestBytes } = options;
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  // An image sent as the whole body is streamed by the route into the ingest, never buffered by a parser.
  app.addContentTypeParser(/^image\//i, (_request, _payload, done) => done(null));

  const uploadsInProgress = new Map<number, number>();
  /** By the image JSON (frozen, shared while the image is unchanged): its serialised body. */
  const serialized = new WeakMap<Image, string>();

  /**
   * Admits an upload: refuses one whose declared length is already too large (before reading any
   * of it), and one from a user who already has MAX_CONCURRENT_UPLOADS_PER_USER in progress here.
   */
  async function admitUpload(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxUploadRequestBytes + MULTIPART_OVERHEAD_BYTES) {
      throw new TooLarge('image', maxUploadBytes);
    }
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
          '`expires_at` (ISO 8601): the image is deleted then; `album` (an album id): the image goes into it. ' +
          'Several `image` parts (up to MAX_FILES_PER_REQUEST): each is stored on its own and the answer is 207 with one ' +
          'result per file. Or JSON `{"url": "https://...", "filename"?, and the same fields}`: the image is fetched ' +
          'from the URL (private addresses refused; errors under `url`). ' +
          'An `Idempotency-Key` header makes retries safe: the same key and request within 24 h get the first answer. ' +
          'Or the image as the whole body with its `Content-Type: image/…` (name from `?filename=` or Content-Disposition).',
        consumes: ['multipart/form-data', 'application/json', 'image/*'],
        querystring: RawUploadQuery,
        response: { 201: Image, 207: UploadResults, ...errors(400, 401, 403, 409, 413, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      const key = idempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
      const received = await receiveUpload(request, ingest, urlImport, maxFilesPerRequest);
      try {
        const fields = uploadFields(received.form, clock());
        if (key !== undefined) {
          const answer = await idempotency.claim(userId, key, fingerprint(['POST /images/', received.identity]));
          if (answer) return replay(reply, userId, answer);
        }
        try {
          if (received.files.length === 1) {
            const [file] = received.files;
            if (file!.error) throw file!.error;
            const within = withinAll(
              placeIn(userId, fields),
              key === undefined ? undefined : (trx, image) => idempotency.complete(userId, key, { kind: 'image', status: 201, image }, trx),
            );
            const created = await catalog.create(userId, file!.staged, fields, undefined, within);
            metrics.uploadBytes.inc(created.bytes);
            return reply.code(201).send(await presenter.show(created));
          }
          const results = await createEach(userId, received.files, fields);
          const answer: StoredAnswer = { kind: 'results', status: 207, results };
          if (key !== undefined) await idempotency.complete(userId, key, answer);
          return replay(reply, userId, answer);
        } catch (error) {
          if (key !== undefined) await idempotency.release(userId, key);
          throw error;
        }
      } finally {
        await received.discard();
      }
    },
  );

  /** Puts the new image into the upload's `album`, in the image's own transaction. */
  function placeIn(userId: number, fields: NewImageFields): WithinCommit | undefined {
    const album = fields.album;
    return album ? (trx, image) => albums.placeNew(trx, userId, album, image) : undefined;
  }

  /** Stores each file of a multi-file upload on its own: one refused does not stop the others. */
  async function createEach(userId: number, files: ReceivedFile[], fields: NewImageFields): Promise<StoredResult[]> {
    const results: StoredResult[] = [];
    for (const [index, file] of files.entries()) {
      try {
        if (file.error) throw file.error;
        const created = await catalog.create(userId, file.staged, fields, undefined, placeIn(userId, fields));
        metrics.uploadBytes.inc(created.bytes);
        results.push({ index, status: 201, image: created.number });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const { statusCode, body } = domainErrorResponse(error);
        results.push({ index, status: statusCode, error: body });
      }
    }
    return results;
  }

  /** Sends an answer kept for an idempotency key (or just made), with the images as they are now. */
  async function replay(reply: FastifyReply, userId: number, answer: StoredAnswer) {
    if (answer.kind === 'image') return reply.code(answer.status).send(await presenter.show(await catalog.get(userId, answer.image)));
    if (answer.kind !== 'results') throw new Unprocessable('This Idempotency-Key was used for a different request.');
    const results = [];
    for (const result of answer.results) {
      if (!('image' in result)) results.push(result);
      else {
        const image = await catalog.get(userId, result.image).catch((error: unknown) => {
          if (error instanceof NotFound) return null;
          throw error;
        });
        results.push(
          image
            ? { index: result.index, status: result.status, image: await presenter.show(image) }
            : { index: result.index, status: 404, error: { detail: 'Not found.' } },
        );
      }
    }
    return reply.code(answer.status).send({ results });
  }

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
    return presenter.showAll(page.images);
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
    async (request, reply) => {
      const image = await presenter.show(await catalog.get(currentUser(request).id, parseId(request.params.id)));
      // The same frozen JSON (an unchanged image, see ImagePresenter.show) is serialised once, by the route's schema.
      let body = serialized.get(image);
      if (body === undefined) {
        body = reply.serialize(image) as string;
        if (Object.isFrozen(image)) serialized.set(image, body);
      }
      // Fastify sends a string with a JSON type as it is; the type provider only knows the unserialised shape.
      return reply.type(JSON_TYPE).send(body as unknown as Image);
    },
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
          'Multipart, the file in the field `image`, or JSON `{"url": ...}`. Atomic: a replace that fails for any reason leaves ' +
          'the image as it was. The title, description, tags, metadata and albums stay (change them with PATCH). ' +
          'Accepts an `Idempotency-Key` header. The image may also be the whole body (`Content-Type: image/…`).',
        params: IdParams,
        querystring: RawUploadQuery,
        consumes: ['multipart/form-data', 'application/json', 'image/*'],
        response: { 200: Image, ...errors(400, 401, 403, 404, 409, 413, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      const id = parseId(request.params.id);
      const key = idempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
      await catalog.get(userId, id);
      const received = await receiveUpload(request, ingest, urlImport, 1);
      try {
        const [file] = received.files;
        if (file!.error) throw file!.error;
        if (key !== undefined) {
          const answer = await idempotency.claim(userId, key, fingerprint([`PUT /images/${id}/`, received.identity]));
          if (answer) return replay(reply, userId, answer);
        }
        try {
          const within: WithinCommit | undefined =
            key === undefined ? undefined : (trx, image) => idempotency.complete(userId, key, { kind: 'image', status: 200, image }, trx);
          const replaced = await catalog.replace(userId, id, file!.staged, within);
          metrics.uploadBytes.inc(replaced.bytes);
          return await presenter.show(replaced);
        } catch (error) {
          if (key !== undefined) await idempotency.release(userId, key);
          throw error;
        }
      } finally {
        await received.discard();
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
          'and - _ . : (stored lower-case), metadata 50 string/number/boolean values with keys of at most 64 characters, 8 KiB.',
        params: IdParams,
        body: ImageChange,
        response: { 200: Image, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { add_tags: addTags, remove_tags: removeTags, focal_point: focalPoint, ...rest } = request.body;
      const updated = await catalog.update(currentUser(request).id, parseId(request.params.id), {
        ...rest,
        addTags,
        removeTags,
        focalPoint,
      });
      return await presenter.show(updated);
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
        return await presenter.show(action === 'trash' ? await catalog.trash(userId, id) : await catalog.restore(userId, id));
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
        const image = await catalog.stored(currentUser(request).id, parseId(request.params.id), { live: false });
        return deliverImage(
          request,
          reply,
          options,
          image,
          variantParamsFromQuery(
            request.query,
            // Only a named preset needs the owner's presets looked up.
            request.query.preset === undefined ? [] : await presetBook.forUser(image.userId, image.presetsStamp),
          ),
          'private, no-cache',
        );
      },
    });
  }
  allowOnly(app, '/images/:id/content', ['GET', 'HEAD']);
};
