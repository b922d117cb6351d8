import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { VariantPreset } from '../config.js';
import { InvalidInput, Throttled, TooLarge } from '../errors.js';
import { currentUser, requireUser } from '../http/auth.js';
import { deliverImage, type ImageBytes } from '../http/deliver-image.js';
import { allowOnly, HttpError } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import type { ImagePresenter } from '../http/present.js';
import { variantParamsFromQuery } from '../http/variant-query.js';
import type { ImageCatalog, ListOrder } from '../images/catalog.js';
import { decodeFormFilename } from '../images/filename.js';
import type { Ingest, StagedUpload } from '../images/ingest.js';
import type { Metrics } from '../metrics.js';
import { binaryResponse, errors, IdParam, NoContent, requires } from '../schemas/common.js';
import { ContentQuery, Image, ImageList, ListQuery } from '../schemas/images.js';
import { Type } from 'typebox';

export interface ImageRoutesOptions extends ImageBytes {
  auth: AuthService;
  catalog: ImageCatalog;
  ingest: Ingest;
  presenter: ImagePresenter;
  maxUploadBytes: number;
  maxConcurrentUploadsPerUser: number;
  presets: readonly VariantPreset[];
  metrics: Metrics;
}

/** Multipart framing around a file is small; a declared length beyond this cannot hold an acceptable upload. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const CURSOR_PREFIX: Record<ListOrder, string> = { oldest: 'after', newest: 'before' };

function encodeCursor(after: number, order: ListOrder): string {
  return Buffer.from(`${CURSOR_PREFIX[order]}:${after}`).toString('base64url');
}

/** The position a cursor continues from; a cursor of the other order is refused rather than misread. */
function decodeCursor(cursor: string | undefined, order: ListOrder): number {
  if (cursor === undefined) return 0;
  const match = /^(after|before):(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidInput({ cursor: ['Invalid cursor.'] });
  if (match[1] !== CURSOR_PREFIX[order]) {
    throw new InvalidInput({ cursor: [`This cursor belongs to order=${order === 'oldest' ? 'newest' : 'oldest'}.`] });
  }
  return Number(match[2]);
}

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
 * Reads the multipart body: the first file in the field `image` is staged; other parts are
 * drained. Whatever happens after staging, the temporary file is not left behind.
 */
async function receiveImage(request: FastifyRequest, ingest: Ingest): Promise<StagedUpload> {
  const owner = currentUser(request).id;
  if (!request.isMultipart()) throw new InvalidInput({ image: ['No file was submitted.'] });
  let staged: StagedUpload | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const file: MultipartFile = part;
      if (file.fieldname === 'image' && !staged) staged = await ingest.stage(file.file, decodeFormFilename(file.filename), owner);
      else file.file.resume();
    }
  } catch (error) {
    await staged?.discard();
    throw asClientError(error);
  }
  if (!staged) throw new InvalidInput({ image: ['No file was submitted.'] });
  return staged;
}

const IdParams = Type.Object({ id: IdParam });

export const imageRoutes: FastifyPluginAsyncTypebox<ImageRoutesOptions> = async (app, options) => {
  const { auth, catalog, ingest, presenter, maxUploadBytes, maxConcurrentUploadsPerUser, presets, metrics } = options;
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
          'Limits: MAX_UPLOAD_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_FRAMES.',
        consumes: ['multipart/form-data'],
        response: { 201: Image, ...errors(400, 401, 403, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      const staged = await receiveImage(request, ingest);
      try {
        const created = await catalog.create(currentUser(request).id, staged);
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
        summary: "List the caller's images, oldest first (or newest first)",
        description: 'A plain JSON array. When there are more, the `Link` header carries the next page (rel="next").',
        querystring: ListQuery,
        response: { 200: ImageList, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, order } = request.query;
      const page = await catalog.list(currentUser(request).id, limit, decodeCursor(cursor, order), order);
      if (page.nextAfter !== null) {
        reply.header('link', `<${presenter.nextPageUrl(limit, encodeCursor(page.nextAfter, order), order)}>; rel="next"`);
      }
      return page.images.map((image) => presenter.present(image));
    },
  );
  allowOnly(app, '/images/', ['GET', 'HEAD', 'POST']);

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
        description: 'Multipart, the file in the field `image`. Atomic: a replace that fails for any reason leaves the image as it was.',
        params: IdParams,
        consumes: ['multipart/form-data'],
        response: { 200: Image, ...errors(400, 401, 403, 404, 413, 429, 503) },
      },
    },
    async (request) => {
      const userId = currentUser(request).id;
      const id = parseId(request.params.id);
      await catalog.get(userId, id);
      const staged = await receiveImage(request, ingest);
      try {
        const replaced = await catalog.replace(userId, id, staged);
        metrics.uploadBytes.inc(replaced.bytes);
        return presenter.present(replaced);
      } finally {
        await staged.discard();
      }
    },
  );

  app.delete(
    '/images/:id/',
    {
      schema: {
        ...common,
        ...requires('images:delete'),
        operationId: 'deleteImage',
        summary: 'Delete an image',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      await catalog.delete(currentUser(request).id, parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/images/:id/', ['GET', 'HEAD', 'PUT', 'DELETE']);

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
