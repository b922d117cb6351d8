import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthService } from '../auth/service.js';
import type { Clock } from '../clock.js';
import { InvalidInput, NotFound } from '../errors.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly, domainErrorResponse, HttpError } from '../http/errors.js';
import type { ImagePresenter } from '../http/present.js';
import { uploadFields, UPLOAD_FIELDS, type FormFields } from '../http/upload-fields.js';
import type { ImageCatalog } from '../images/catalog.js';
import { fingerprint, IDEMPOTENCY_HEADER, idempotencyKey, type IdempotencyKeys } from '../images/idempotency.js';
import type { ResumableUploads, UploadOutcome, UploadState } from '../images/resumable.js';
import type { Metrics } from '../metrics.js';
import { errors, NoContent, requires } from '../schemas/common.js';
import { Image } from '../schemas/images.js';

export interface UploadRoutesOptions {
  auth: AuthService;
  uploads: ResumableUploads;
  catalog: ImageCatalog;
  idempotency: IdempotencyKeys;
  presenter: ImagePresenter;
  metrics: Metrics;
  clock: Clock;
  publicUrl: string;
  maxBytes: number;
}

const TUS_VERSION = '1.0.0';
const TUS_EXTENSIONS = 'creation,creation-with-upload,termination,expiration,checksum';
const CHUNK_TYPE = 'application/offset+octet-stream';

const UploadStatus = Type.Object({
  id: Type.String(),
  url: Type.String({ description: 'Where the chunks go (PATCH), as in the Location header' }),
  length: Type.Integer(),
  offset: Type.Integer({ description: 'Bytes received so far' }),
  filename: Type.Union([Type.String(), Type.Null()]),
  status: Type.Enum(['receiving', 'processing', 'done', 'refused'], {
    description: 'receiving: more bytes expected; processing: complete, being ingested; done: `image` holds it; refused: `error` says why',
  }),
  created_at: Type.String(),
  expires_at: Type.String({ description: 'An unfinished upload is removed then (UPLOAD_EXPIRY_HOURS after creation)' }),
  image: Type.Optional(Image),
  error: Type.Optional(Type.Object({ status: Type.Integer(), body: Type.Object({}, { additionalProperties: true }) })),
});

const UploadParams = Type.Object({ id: Type.String() });

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function integerHeader(request: FastifyRequest, name: string): number {
  const value = header(request, name);
  if (value === undefined) throw new InvalidInput({ [name]: ['This header is required.'] });
  if (!/^\d{1,15}$/.test(value)) throw new InvalidInput({ [name]: ['A non-negative integer is required.'] });
  return Number(value);
}

/** Upload-Metadata: comma-separated `key base64(value)` pairs, as tus clients send them. */
function parseMetadata(raw: string | undefined): Map<string, string> {
  const metadata = new Map<string, string>();
  if (raw === undefined || raw.trim() === '') return metadata;
  if (raw.length > 16 * 1024) throw new InvalidInput({ 'Upload-Metadata': ['Ensure this header has at most 16384 characters.'] });
  for (const pair of raw.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || extra !== undefined || !/^[\x21-\x7e]+$/.test(key) || (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))) {
      throw new InvalidInput({ 'Upload-Metadata': ['Give comma-separated pairs of a key and its value in base64.'] });
    }
    if (metadata.has(key)) throw new InvalidInput({ 'Upload-Metadata': [`The key "${key}" is given twice.`] });
    metadata.set(key, value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'));
  }
  return metadata;
}

/** Upload-Checksum: `sha256 <base64 digest>` (the one algorithm offered). */
function parseChecksum(raw: string | undefined): Buffer | null {
  if (raw === undefined) return null;
  const [algorithm, digest] = raw.trim().split(' ');
  if (algorithm !== 'sha256') throw new InvalidInput({ 'Upload-Checksum': ['Only sha256 is supported (Tus-Checksum-Algorithm).'] });
  const bytes = Buffer.from(digest ?? '', 'base64');
  if (bytes.length !== 32) throw new InvalidInput({ 'Upload-Checksum': ['Give the SHA-256 digest in base64.'] });
  return bytes;
}

/**
 * Resumable uploads, tus 1.0 (core, creation, creation-with-upload, termination, expiration, checksum
 * with sha256) at /uploads/. Authentication, scopes and errors as every other route; the last chunk's
 * answer (and GET /uploads/<id>) is the image, or the refusal an upload of the same file would get.
 */
export const uploadRoutes: FastifyPluginAsyncTypebox<UploadRoutesOptions> = async (app, options) => {
  const { auth, uploads, catalog, idempotency, presenter, metrics, clock, publicUrl, maxBytes } = options;
  app.decorateRequest('user', null);
  // Chunks are read by the handler as they arrive, never buffered by a parser.
  app.addContentTypeParser(CHUNK_TYPE, (_request, _payload, done) => done(null));
  app.addHook('onSend', async (request, reply) => {
    reply.header('tus-resumable', TUS_VERSION);
    // Discovery: OPTIONS (answered with Allow by allowOnly) also tells what this tus server supports.
    if (request.method === 'OPTIONS') {
      reply.header('tus-version', TUS_VERSION);
      reply.header('tus-extension', TUS_EXTENSIONS);
      reply.header('tus-max-size', String(maxBytes));
      reply.header('tus-checksum-algorithm', 'sha256');
    }
  });

  const uploadUrl = (id: string) => `${publicUrl}/uploads/${id}`;
  const common = { tags: ['uploads'] };

  function requireTusVersion(request: FastifyRequest): void {
    const version = header(request, 'tus-resumable');
    if (version !== TUS_VERSION) {
      throw new HttpError(412, { detail: `Send Tus-Resumable: ${TUS_VERSION}.` }, { 'tus-version': TUS_VERSION });
    }
  }

  function statusJson(state: UploadState, image: ReturnType<ImagePresenter['present']> | null) {
    const status: 'refused' | 'done' | 'receiving' | 'processing' = state.error
      ? 'refused'
      : state.image !== null
        ? 'done'
        : state.offset < state.length
          ? 'receiving'
          : 'processing';
    return {
      id: state.id,
      url: uploadUrl(state.id),
      length: state.length,
      offset: state.offset,
      filename: state.filename,
      status,
      created_at: state.createdAt,
      expires_at: state.expiresAt,
      ...(image ? { image } : {}),
      ...(state.error ? { error: state.error } : {}),
    };
  }

  function progressHeaders(reply: FastifyReply, state: UploadState): void {
    reply.header('upload-offset', String(state.offset));
    if (state.finishedAt === null) reply.header('upload-expires', new Date(state.expiresAt).toUTCString());
  }

  /** The answer to the request that completed an upload: the image (200), or the refusal with its own status. */
  async function sendOutcome(reply: FastifyReply, state: UploadState, outcome: UploadOutcome, success = 200) {
    progressHeaders(reply, state);
    if ('image' in outcome) {
      metrics.uploadBytes.inc(outcome.image.bytes);
      return reply.code(success).send(await presenter.show(outcome.image));
    }
    const { statusCode, body, headers } = domainErrorResponse(outcome.error);
    return reply.code(statusCode).headers(headers).send(body);
  }

  const chunkBody = (request: FastifyRequest) => {
    const type = (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== CHUNK_TYPE) throw new HttpError(415, { detail: `Send chunks as Content-Type: ${CHUNK_TYPE}.` });
    return request.raw;
  };

  const authenticate = requireUser(auth);
  // Discovery (OPTIONS) is open, as tus clients expect; everything else needs credentials.
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'OPTIONS') await authenticate(request);
  });

  app.post(
    '/uploads/',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'createUpload',
        summary: 'Start a resumable upload (tus 1.0 creation, creation-with-upload)',
        description:
          'Headers: `Tus-Resumable: 1.0.0`, `Upload-Length` (at most MAX_RESUMABLE_UPLOAD_BYTES; checked against the quota ' +
          'before any byte), optional `Upload-Metadata` (`filename`, `title`, `description`, `tags`, `metadata`, ' +
          '`expires_in`, `expires_at`, each base64) and `Idempotency-Key`. A body (Content-Type: ' +
          'application/offset+octet-stream) is the first chunk. 201 with `Location`: send the rest there with PATCH.',
        response: { 201: Type.Union([NoContent, Image]), ...errors(400, 401, 403, 409, 412, 413, 415, 422, 429, 460) },
      },
    },
    async (request, reply) => {
      requireTusVersion(request);
      const userId = currentUser(request).id;
      if (header(request, 'upload-defer-length') !== undefined) {
        throw new InvalidInput({ 'Upload-Defer-Length': ['Give Upload-Length: uploads of unknown length are not accepted.'] });
      }
      const length = integerHeader(request, 'upload-length');
      const metadata = parseMetadata(header(request, 'upload-metadata'));
      const form: FormFields = new Map();
      for (const name of UPLOAD_FIELDS) {
        const value = metadata.get(name);
        if (value !== undefined) form.set(name, [value]);
      }
      const fields = uploadFields(form, clock());
      const filename = metadata.get('filename') ?? metadata.get('name') ?? null;
      const key = idempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
      const hasBody = header(request, 'content-type') !== undefined && Number(header(request, 'content-length') ?? '1') !== 0;
      const body = hasBody ? chunkBody(request) : null;
      if (key !== undefined) {
        const answer = await idempotency.claim(userId, key, fingerprint(['POST /uploads/', length, [...metadata]]));
        if (answer) {
          body?.resume();
          if (answer.kind !== 'upload') throw new InvalidInput({ 'Idempotency-Key': ['This key was used for another kind of request.'] });
          const state = await uploads.get(userId, answer.upload);
          progressHeaders(reply, state);
          return reply.code(201).header('location', uploadUrl(state.id)).send(null);
        }
      }
      let state: UploadState;
      try {
        state = await uploads.create(
          userId,
          length,
          filename,
          fields,
          key === undefined ? undefined : (trx, id) => idempotency.complete(userId, key, { kind: 'upload', status: 201, upload: id }, trx),
        );
      } catch (error) {
        if (key !== undefined) await idempotency.release(userId, key);
        throw error;
      }
      reply.header('location', uploadUrl(state.id));
      if (body && length > 0) {
        const appended = await uploads.append(userId, state.id, 0, body, parseChecksum(header(request, 'upload-checksum')));
        if (appended.outcome) return sendOutcome(reply, appended.state, appended.outcome, 201);
        state = appended.state;
      } else if (length === 0) {
        const finished = await uploads.finish(userId, state.id);
        if (finished.outcome) return sendOutcome(reply, finished.state, finished.outcome, 201);
      }
      progressHeaders(reply, state);
      return reply.code(201).send(null);
    },
  );
  allowOnly(app, '/uploads/', ['POST']);

  app.route({
    method: 'HEAD',
    url: '/uploads/:id',
    schema: {
      ...common,
      ...requires('images:write'),
      operationId: 'uploadOffset',
      summary: 'How many bytes of a resumable upload have arrived (Upload-Offset), to resume from there',
      params: UploadParams,
      response: { 200: NoContent, ...errors(401, 404, 412) },
    },
    handler: async (request, reply) => {
      requireTusVersion(request);
      const state = await uploads.get(currentUser(request).id, request.params.id);
      progressHeaders(reply, state);
      return reply.code(200).header('upload-length', String(state.length)).header('cache-control', 'no-store').send(null);
    },
  });

  app.get(
    '/uploads/:id',
    {
      exposeHeadRoute: false,
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'getUpload',
        summary: 'A resumable upload: its progress, and once complete the image it became or why it was refused',
        params: UploadParams,
        response: { 200: UploadStatus, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      let state = await uploads.get(userId, request.params.id);
      // A complete upload whose finishing request died is finished by whoever asks next.
      if (state.offset === state.length && state.finishedAt === null) state = (await uploads.finish(userId, state.id)).state;
      const record =
        state.image === null
          ? null
          : await catalog.get(userId, state.image).catch((error: unknown) => {
              if (error instanceof NotFound) return null; // deleted since
              throw error;
            });
      const image = record ? await presenter.show(record) : null;
      return reply.header('cache-control', 'no-store').send(statusJson(state, image));
    },
  );

  app.patch(
    '/uploads/:id',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'appendUpload',
        summary: 'Send the next chunk of a resumable upload',
        description:
          'Headers: `Tus-Resumable: 1.0.0`, `Upload-Offset` (the offset HEAD gave), `Content-Type: ' +
          'application/offset+octet-stream`, optional `Upload-Checksum: sha256 <base64>` (a mismatch is 460 and the chunk ' +
          'is dropped). 204 with the new `Upload-Offset`; the chunk that completes the upload gets the image (200) or the ' +
          'refusal an upload of the same file gets (4xx, same body). 409 when the offset is not the current one.',
        params: UploadParams,
        response: { 200: Image, 204: NoContent, ...errors(400, 401, 403, 404, 409, 412, 413, 415, 460) },
      },
    },
    async (request, reply) => {
      requireTusVersion(request);
      const userId = currentUser(request).id;
      const offset = integerHeader(request, 'upload-offset');
      const checksum = parseChecksum(header(request, 'upload-checksum'));
      const { state, outcome } = await uploads.append(userId, request.params.id, offset, chunkBody(request), checksum);
      if (outcome) return sendOutcome(reply, state, outcome);
      progressHeaders(reply, state);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/uploads/:id',
    {
      schema: {
        ...common,
        ...requires('images:write'),
        operationId: 'terminateUpload',
        summary: 'Terminate a resumable upload: its bytes are removed (the image it became, if any, stays)',
        params: UploadParams,
        response: { 204: NoContent, ...errors(401, 404, 412) },
      },
    },
    async (request, reply) => {
      requireTusVersion(request);
      await uploads.terminate(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/uploads/:id', ['GET', 'HEAD', 'PATCH', 'DELETE']);
};
