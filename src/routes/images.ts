import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
import { ApiError, fieldErrors } from '../errors.js';
import { currentUser, requireUser, TOKEN_SECURITY } from '../http/auth.js';
import { parseImageId } from '../http/ids.js';
import { deliverImage } from '../http/deliver-image.js';
import { allowOnly } from '../http/errors.js';
import type { Metrics } from '../http/metrics.js';
import type { ImagePresenter } from '../http/present.js';
import { uploadTooLarge, type StagedUpload } from '../images/ingest.js';
import { decodeFormFilename } from '../images/filename.js';
import type { ImageService, ListOrder } from '../images/service.js';
import { variantFromQuery, type VariantQuery } from '../images/variants.js';
import type { VariantPreset } from '../config.js';
import { binaryResponse, errorSchema, imageIdParams, imageSchema, variantQueryProperties } from './schemas.js';

export interface ImageRoutesOptions {
  auth: AuthService;
  images: ImageService;
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
  if (!match) throw fieldErrors({ cursor: ['Invalid cursor.'] });
  if (match[1] !== CURSOR_PREFIX[order])
    throw fieldErrors({ cursor: [`This cursor belongs to order=${order === 'oldest' ? 'newest' : 'oldest'}.`] });
  return Number(match[2]);
}

/**
 * Errors of the body's framing (busboy: "Unexpected end of form", "Part terminated early", ...)
 * are the client's: 400. Errors that already carry a status, and system errors (disk, storage),
 * keep their meaning.
 */
function asClientError(error: unknown): unknown {
  if (!(error instanceof Error) || 'statusCode' in error || 'syscall' in error || 'errno' in error) return error;
  return new ApiError(400, { detail: `Multipart form parse error - ${error.message}` });
}

/**
 * Reads the multipart body: the first file in the field `image` is staged; other parts are
 * drained. Whatever happens after staging, the temporary file is not left behind.
 */
async function receiveImage(request: FastifyRequest, images: ImageService): Promise<StagedUpload> {
  if (!request.isMultipart()) throw fieldErrors({ image: ['No file was submitted.'] });
  let staged: StagedUpload | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const file: MultipartFile = part;
      if (file.fieldname === 'image' && !staged) staged = await images.stage(file.file, decodeFormFilename(file.filename));
      else file.file.resume();
    }
  } catch (error) {
    await staged?.discard();
    throw asClientError(error);
  }
  if (!staged) throw fieldErrors({ image: ['No file was submitted.'] });
  return staged;
}

export async function imageRoutes(app: FastifyInstance, options: ImageRoutesOptions): Promise<void> {
  const { auth, images, presenter, maxUploadBytes, maxConcurrentUploadsPerUser, presets, metrics } = options;
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));

  const uploadsInProgress = new Map<number, number>();

  /**
   * Admits an upload: refuses one whose declared length is already too large (before reading any
   * of it), and one from a user who already has MAX_CONCURRENT_UPLOADS_PER_USER in progress here.
   */
  async function admitUpload(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxUploadBytes + MULTIPART_OVERHEAD_BYTES) throw uploadTooLarge(maxUploadBytes);
    const userId = currentUser(request).id;
    const inProgress = uploadsInProgress.get(userId) ?? 0;
    if (inProgress >= maxConcurrentUploadsPerUser) {
      throw new ApiError(
        429,
        { detail: `Too many uploads in progress: at most ${maxConcurrentUploadsPerUser} at once.` },
        { 'retry-after': '1' },
      );
    }
    uploadsInProgress.set(userId, inProgress + 1);
    // 'close' fires however the exchange ends: answered, failed or abandoned by the client.
    reply.raw.once('close', () => {
      const left = (uploadsInProgress.get(userId) ?? 1) - 1;
      if (left > 0) uploadsInProgress.set(userId, left);
      else uploadsInProgress.delete(userId);
    });
  }

  const security = TOKEN_SECURITY;
  const tags = ['images'];

  app.post(
    '/images/',
    {
      onRequest: admitUpload,
      schema: {
        tags,
        security,
        summary: 'Upload an image',
        description:
          'The content decides what the file is: JPEG, PNG, WebP, GIF, AVIF or TIFF. Limits: MAX_UPLOAD_BYTES and MAX_IMAGE_PIXELS.',
        consumes: ['multipart/form-data'],
        response: { 201: imageSchema, 400: errorSchema, 401: errorSchema, 413: errorSchema },
      },
    },
    async (request, reply) => {
      const staged = await receiveImage(request, images);
      try {
        const created = await images.create(currentUser(request).id, staged);
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
        tags,
        security,
        summary: "List the caller's images, oldest first (or newest first)",
        description: 'A plain JSON array. When there are more, the `Link` header carries the next page (rel="next").',
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', maxLength: 100, description: 'From the Link header of the previous page' },
            order: {
              type: 'string',
              enum: ['oldest', 'newest'],
              default: 'oldest',
              description: 'By upload order (id); a replace keeps its place',
            },
          },
        },
        response: { 200: { type: 'array', items: imageSchema }, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request: FastifyRequest<{ Querystring: { limit: number; cursor?: string; order: ListOrder } }>, reply: FastifyReply) => {
      const { limit, cursor, order } = request.query;
      const page = await images.list(currentUser(request).id, limit, decodeCursor(cursor, order), order);
      if (page.nextAfter !== null)
        reply.header('link', `<${presenter.nextPageUrl(limit, encodeCursor(page.nextAfter, order), order)}>; rel="next"`);
      return page.images.map((image) => presenter.present(image));
    },
  );
  allowOnly(app, '/images/', ['GET', 'HEAD', 'POST']);

  type ById = FastifyRequest<{ Params: { id: string } }>;

  app.get(
    '/images/:id/',
    {
      schema: {
        tags,
        security,
        summary: 'One image',
        params: imageIdParams,
        response: { 200: imageSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request: ById) => presenter.present(await images.get(currentUser(request).id, parseImageId(request.params.id))),
  );

  app.put(
    '/images/:id/',
    {
      onRequest: admitUpload,
      schema: {
        tags,
        security,
        summary: 'Replace the content of an image (same id)',
        description: 'Atomic: a replace that fails for any reason leaves the image as it was.',
        params: imageIdParams,
        consumes: ['multipart/form-data'],
        response: { 200: imageSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema, 413: errorSchema },
      },
    },
    async (request: ById) => {
      const userId = currentUser(request).id;
      const id = parseImageId(request.params.id);
      await images.get(userId, id);
      const staged = await receiveImage(request, images);
      try {
        const replaced = await images.replace(userId, id, staged);
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
        tags,
        security,
        summary: 'Delete an image',
        params: imageIdParams,
        response: { 204: { type: 'null' }, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request: ById, reply) => {
      await images.delete(currentUser(request).id, parseImageId(request.params.id));
      return reply.code(204).send();
    },
  );
  allowOnly(app, '/images/:id/', ['GET', 'HEAD', 'PUT', 'DELETE']);

  app.route({
    // HEAD is declared, not derived, so that it keeps the real Content-Length.
    method: ['GET', 'HEAD'],
    url: '/images/:id/content',
    schema: {
      tags,
      security,
      summary: 'The image bytes, or a variant of them, for the owner',
      description:
        'Without parameters: the stored original. With w/h/fit/format/q/dpr/enlarge or preset: a variant, rendered on first use and cached. Supports HEAD, Range and If-None-Match.',
      params: imageIdParams,
      querystring: { type: 'object', properties: variantQueryProperties },
      response: {
        200: binaryResponse,
        206: binaryResponse,
        304: { type: 'null' },
        400: errorSchema,
        401: errorSchema,
        404: errorSchema,
        416: errorSchema,
        503: errorSchema,
      },
    },
    handler: async (request: FastifyRequest<{ Params: { id: string }; Querystring: VariantQuery }>, reply) => {
      const image = await images.get(currentUser(request).id, parseImageId(request.params.id));
      return deliverImage(request, reply, images, image, variantFromQuery(request.query, presets), 'private, no-cache');
    },
  });
  allowOnly(app, '/images/:id/content', ['GET', 'HEAD']);
}
