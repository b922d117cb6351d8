import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import {
  Busy,
  ChecksumMismatch,
  Conflict,
  DomainError,
  InvalidInput,
  LinkInvalid,
  NotFound,
  PermissionDenied,
  QuotaExceeded,
  Throttled,
  TooLarge,
  Unauthenticated,
  Unprocessable,
  type FieldErrors,
} from '../errors.js';

/** An answer about the HTTP exchange itself (a body that cannot be parsed, a range, a method), not about the domain. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : JSON.stringify(body));
  }
}

export interface ErrorResponse {
  statusCode: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The one mapping from what the domain says to a status, headers and a DRF-shaped body. */
export function domainErrorResponse(error: DomainError): ErrorResponse {
  const detail = (statusCode: number, headers: Record<string, string> = {}) => ({ statusCode, body: { detail: error.message }, headers });
  if (error instanceof NotFound) return detail(404);
  if (error instanceof InvalidInput) return { statusCode: 400, body: error.fields, headers: {} };
  if (error instanceof Unauthenticated) return detail(401, { 'www-authenticate': 'Token' });
  if (error instanceof PermissionDenied || error instanceof LinkInvalid) return detail(403);
  // Connection: close, so that the server stops reading the rest of a body it will not use.
  if (error instanceof TooLarge) return { statusCode: 413, body: { [error.field]: [error.message] }, headers: { connection: 'close' } };
  if (error instanceof QuotaExceeded) {
    return {
      statusCode: error.quota === 'images' ? 403 : 413,
      body: { detail: error.message, quota: error.quota, limit: error.limit, used: error.used },
      headers: {},
    };
  }
  if (error instanceof Throttled) return detail(429, { 'retry-after': String(error.retryAfterSeconds) });
  if (error instanceof Busy) return detail(503, { 'retry-after': String(error.retryAfterSeconds) });
  if (error instanceof Conflict) return detail(409);
  if (error instanceof Unprocessable) return detail(422);
  // The tus checksum extension's own status.
  if (error instanceof ChecksumMismatch) return detail(460);
  return detail(400);
}

const REQUIRED = 'This field is required.';

/** A validation error as ajv reports it with `verbose`: the value and the schema that refused it. */
type VerboseError = FastifySchemaValidationError & {
  data?: unknown;
  parentSchema?: { type?: unknown; properties?: object; patternProperties?: object; 'x-hint'?: string };
};

/** Where the refused value came from (Fastify's validation context: body, querystring, params, headers). */
type ValidationPart = string | undefined;

function messageFor(error: VerboseError, part: ValidationPart): string {
  const params = error.params as Record<string, unknown>;
  if (part === 'querystring') {
    // `w=300&w=2000` arrives as a list; only parameters documented as repeatable take one.
    if (Array.isArray(error.data) && error.parentSchema?.type !== 'array' && error.instancePath !== '') {
      return 'Given more than once; give it once.';
    }
    if (error.keyword === 'additionalProperties') {
      // Families of names (`^metadata\\.…`) are shown as `metadata.<key>`.
      const families = Object.keys(error.parentSchema?.patternProperties ?? {}).map((pattern) =>
        pattern.replace(/^\^(\w+)\\\..*$/, '$1.<key>'),
      );
      const known = [...Object.keys(error.parentSchema?.properties ?? {}), ...families];
      return `Unknown query parameter.${known.length > 0 ? ` Known: ${known.join(', ')}.` : ''}`;
    }
  }
  switch (error.keyword) {
    case 'required':
      return REQUIRED;
    case 'type':
      switch (params.type) {
        case 'integer':
          return 'A valid integer is required.';
        case 'number':
          return 'A valid number is required.';
        case 'string':
          return 'Not a valid string.';
        case 'boolean':
          return 'Must be a valid boolean.';
        case 'array':
          return `Expected a list of items but got type "${typeof error.data}".`;
        case 'object': {
          const kind = error.data === null ? 'null' : Array.isArray(error.data) ? 'list' : typeof error.data;
          return `Invalid data. Expected a dictionary, but got ${kind}.`;
        }
        default:
          return `Expected ${String(params.type)}.`;
      }
    case 'enum':
      return `"${String(error.data)}" is not a valid choice. Choose one of: ${(params.allowedValues as unknown[]).join(', ')}.`;
    case 'maxLength':
      return `Ensure this field has no more than ${String(params.limit)} characters.`;
    case 'minLength':
      return `Ensure this field has at least ${String(params.limit)} characters.`;
    case 'maximum':
      return `Ensure this value is less than or equal to ${String(params.limit)}.`;
    case 'minimum':
      return `Ensure this value is greater than or equal to ${String(params.limit)}.`;
    case 'maxItems':
      return `Ensure this field has no more than ${String(params.limit)} elements.`;
    case 'minItems':
      return `Ensure this field has at least ${String(params.limit)} elements.`;
    case 'pattern':
      // A schema may say what the pattern wants.
      return error.parentSchema?.['x-hint'] ?? 'Enter a valid value.';
    case 'format':
      return `Enter a valid ${String(params.format)}.`;
    case 'additionalProperties':
      return `Unknown field "${String(params.additionalProperty)}".`;
    default:
      return error.message ?? 'Invalid value.';
  }
}

/** Schema validation failures as DRF field errors: {"field": ["message"]}. */
export function validationBody(errors: readonly FastifySchemaValidationError[], part?: ValidationPart): FieldErrors {
  const body: FieldErrors = {};
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    const path = error.instancePath.replace(/^\//, '').split('/');
    const field =
      error.keyword === 'required'
        ? [...path.filter(Boolean), String(params.missingProperty)].join('.')
        : error.keyword === 'additionalProperties'
          ? [...path.filter(Boolean), String(params.additionalProperty)].join('.')
          : path.join('.') || 'non_field_errors';
    const messages = (body[field] ??= []);
    const message = messageFor(error, part);
    if (!messages.includes(message)) messages.push(message);
  }
  return body;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EACCES',
  'EPERM',
]);

/**
 * Errors that mean a dependency (database, object store, disk) is unavailable rather than that
 * the request or our code is wrong: the request may succeed later, so they are 503, not 500.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const { code, message, name, $metadata } = error as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^(08|57P0)/.test(code))) return true;
  if (name === 'TimeoutError' || ($metadata?.httpStatusCode ?? 0) >= 500) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|socket hang up/i.test(message)
  );
}

export function send(
  reply: FastifyReply,
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply.code(statusCode).headers(headers).type('application/json; charset=utf-8').send(body);
}

export interface ErrorHandlingOptions {
  /** Told when a request was answered 503 because a dependency was unavailable (for metrics). */
  onDependencyUnavailable?: () => void;
}

/**
 * Every error becomes JSON in DRF's shape. Client errors say what was wrong; server errors say
 * nothing internal and are logged with the request id the client also receives.
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  app.setErrorHandler((error: FastifyError | DomainError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof DomainError) {
      const { statusCode, body, headers } = domainErrorResponse(error);
      return send(reply, statusCode, body, headers);
    }
    if (error instanceof HttpError) return send(reply, error.statusCode, error.body, error.headers);
    if (error.validation) return send(reply, 400, validationBody(error.validation, error.validationContext));
    const statusCode = error.statusCode ?? 500;
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 415, { detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.` });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
        return send(reply, 413, { detail: 'Request body is too large.' }, { connection: 'close' });
      case 'FST_PARTS_LIMIT':
      case 'FST_FILES_LIMIT':
      case 'FST_FIELDS_LIMIT':
        return send(reply, 413, { detail: `Too many parts in the multipart body (${error.message}).` }, { connection: 'close' });
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
        return send(reply, 400, { image: ['No file was submitted.'] });
    }
    if (statusCode >= 400 && statusCode < 500) {
      // Multipart parse failures and the like: their messages describe the request, not the server.
      return send(reply, statusCode, { detail: error.message || 'Bad request.' });
    }
    if (isDependencyUnavailable(error)) {
      request.log.warn({ err: error }, 'dependency unavailable');
      options.onDependencyUnavailable?.();
      return send(
        reply,
        503,
        { detail: 'A service this request needs is unavailable. Try again shortly.', request_id: request.id },
        { 'retry-after': '5' },
      );
    }
    request.log.error({ err: error }, 'request failed');
    return send(reply, 500, { detail: 'A server error occurred.', request_id: request.id });
  });

  app.setNotFoundHandler((_request, reply) => send(reply, 404, { detail: 'Not found.' }));
}

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * Answers the methods a path does not support with 405 and an Allow header (DRF's behaviour),
 * and OPTIONS with the Allow header. Fastify alone would answer 404. List HEAD in allowed where GET has it.
 */
export function allowOnly(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  const allow = [...allowed, 'OPTIONS'];
  const others = ALL_METHODS.filter((method) => !allow.includes(method));
  app.route({
    method: [...others],
    url,
    schema: { hide: true },
    handler: (request, reply) => send(reply, 405, { detail: `Method "${request.method}" not allowed.` }, { allow: allow.join(', ') }),
  });
  app.route({
    method: 'OPTIONS',
    url,
    schema: { hide: true },
    handler: (_request, reply) => reply.code(204).header('allow', allow.join(', ')).send(),
  });
}
