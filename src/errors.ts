/**
 * An error whose status and JSON body are meant for the client. Bodies follow Django REST
 * Framework's shapes, which clients of the original API parse: {"detail": "..."} for general
 * errors and {"field": ["message", ...]} for validation errors.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : JSON.stringify(body));
  }
}

export type FieldErrors = Record<string, string[]>;

export function fieldErrors(errors: FieldErrors, statusCode = 400): ApiError {
  return new ApiError(statusCode, errors);
}

export function notFound(): ApiError {
  return new ApiError(404, { detail: 'Not found.' });
}

export function unauthorized(detail: string): ApiError {
  return new ApiError(401, { detail }, { 'www-authenticate': 'Token' });
}

export function serviceUnavailable(detail: string, retryAfterSeconds: number): ApiError {
  return new ApiError(503, { detail }, { 'retry-after': String(retryAfterSeconds) });
}
