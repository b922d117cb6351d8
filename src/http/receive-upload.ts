import type { FastifyRequest } from 'fastify';
import { DomainError, InvalidInput } from '../errors.js';
import { decodeFormFilename } from '../images/filename.js';
import type { Ingest, StagedUpload } from '../images/ingest.js';
import type { UrlImport } from '../images/url-import.js';
import { currentUser } from './auth.js';
import { HttpError } from './errors.js';
import { UPLOAD_FIELDS, type FormFields } from './upload-fields.js';

/** One file of a request: staged, or refused on its own (the other files of the request go on). */
export type ReceivedFile = { staged: StagedUpload; error?: undefined } | { staged?: undefined; error: DomainError };

/** What an upload request brought: its files (one for a URL import), its fields, and what identifies it for idempotency. */
export interface ReceivedUpload {
  files: ReceivedFile[];
  form: FormFields;
  /** The request's content as far as an Idempotency-Key compares it. */
  identity: unknown;
  discard(): Promise<void>;
}

const MAX_URL_LENGTH = 2048;

/**
 * Errors of the body's framing (busboy: "Unexpected end of form", "Part terminated early", ...)
 * are the client's: 400. Errors that already carry a meaning, and system errors (disk, storage),
 * keep it.
 */
function asClientError(error: unknown): unknown {
  if (!(error instanceof Error) || 'statusCode' in error || 'syscall' in error || 'errno' in error) return error;
  if (error instanceof DomainError) return error;
  return new HttpError(400, { detail: `Multipart form parse error - ${error.message}` });
}

async function discardAll(files: ReceivedFile[]): Promise<void> {
  await Promise.all(files.map((file) => file.staged?.discard()));
}

/**
 * Reads a multipart body: each file in the field `image` is staged in turn (one that is refused is
 * recorded and the next one read), the upload's fields are kept, other parts are drained.
 */
async function receiveFiles(request: FastifyRequest, ingest: Ingest, maxFiles: number): Promise<ReceivedUpload> {
  const owner = currentUser(request).id;
  const files: ReceivedFile[] = [];
  const names: (string | undefined)[] = [];
  const form: FormFields = new Map();
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') {
        if ((UPLOAD_FIELDS as readonly string[]).includes(part.fieldname) && typeof part.value === 'string') {
          form.set(part.fieldname, [...(form.get(part.fieldname) ?? []), part.value]);
        }
        continue;
      }
      if (part.fieldname !== 'image') {
        part.file.resume();
        continue;
      }
      if (files.length >= maxFiles) throw new InvalidInput({ image: [`Ensure at most ${maxFiles} files are sent in one request.`] });
      const filename = decodeFormFilename(part.filename);
      names.push(filename);
      try {
        files.push({ staged: await ingest.stage(part.file, filename, owner) });
      } catch (error) {
        // A file over the byte limit ends the request (413): reading on would take in a body of any size.
        if (!(error instanceof InvalidInput)) throw error;
        // The rest of a refused file is read and dropped, so that the next part can be parsed.
        part.file.resume();
        files.push({ error });
      }
    }
  } catch (error) {
    await discardAll(files);
    throw asClientError(error);
  }
  if (files.length === 0) throw new InvalidInput({ image: ['No file was submitted.'] });
  const identity = { files: files.map((file, index) => [names[index] ?? null, file.staged?.sha256 ?? null]), form: [...form] };
  return { files, form, identity, discard: () => discardAll(files) };
}

/** The JSON form of an upload: `{"url": ..., "filename"?, and the upload fields}`, as form fields. */
function readUrlRequest(body: object): { url: string; filename: string | undefined; form: FormFields } {
  const record = body as Record<string, unknown>;
  const problems: Record<string, string[]> = {};
  const { url, filename } = record;
  if (url === undefined) problems.url = ['This field is required.'];
  else if (typeof url !== 'string') problems.url = ['Not a valid string.'];
  else if (url.length > MAX_URL_LENGTH) problems.url = [`Ensure this field has no more than ${MAX_URL_LENGTH} characters.`];
  if (filename !== undefined && (typeof filename !== 'string' || filename.length > 255)) {
    problems.filename = ['Give a name of at most 255 characters.'];
  }
  const form: FormFields = new Map();
  for (const name of UPLOAD_FIELDS) {
    const value = record[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number') form.set(name, [String(value)]);
    else if (name === 'tags' && Array.isArray(value) && value.every((tag) => typeof tag === 'string')) form.set(name, value as string[]);
    else if (name === 'metadata' && typeof value === 'object' && !Array.isArray(value)) form.set(name, [JSON.stringify(value)]);
    else problems[name] = ['Not a valid value for this field.'];
  }
  if (Object.keys(problems).length > 0) throw new InvalidInput(problems);
  return { url: url as string, filename: filename as string | undefined, form };
}

/** The file name of a raw-body upload: `?filename=`, else the Content-Disposition header's `filename`. */
function rawFilename(request: FastifyRequest): string | undefined {
  const query = request.query as { filename?: unknown } | undefined;
  if (typeof query?.filename === 'string' && query.filename !== '') return query.filename;
  const disposition = request.headers['content-disposition'];
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      return undefined;
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1]?.trim();
}

/** Whether the body is the image itself (`Content-Type: image/…`), as scripts and mobile SDKs send it. */
export function isRawImage(request: FastifyRequest): boolean {
  return /^image\//i.test(request.headers['content-type'] ?? '');
}

/** Receives an upload request: multipart files, the image as the whole body, or a JSON body naming a URL. */
export async function receiveUpload(
  request: FastifyRequest,
  ingest: Ingest,
  urlImport: UrlImport,
  maxFiles: number,
): Promise<ReceivedUpload> {
  if (request.isMultipart()) return receiveFiles(request, ingest, maxFiles);
  if (isRawImage(request)) {
    const filename = rawFilename(request);
    const staged = await ingest.stage(request.raw, filename, currentUser(request).id).catch((error: unknown) => {
      throw asClientError(error);
    });
    return {
      files: [{ staged }],
      form: new Map(),
      identity: { raw: staged.sha256, filename: filename ?? null },
      discard: () => staged.discard(),
    };
  }
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null || !('url' in body)) throw new InvalidInput({ image: ['No file was submitted.'] });
  const { url, filename, form } = readUrlRequest(body);
  const staged = await urlImport.stage(currentUser(request).id, url, filename);
  return { files: [{ staged }], form, identity: { url, filename: filename ?? null, form: [...form] }, discard: () => staged.discard() };
}
