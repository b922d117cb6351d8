/**
 * What the domain reports when it refuses something. Each error names a situation, not a status:
 * http/errors.ts maps them to statuses, headers and Django REST Framework's body shapes in one
 * place, and the command-line tool maps them to exit codes.
 */
export type FieldErrors = Record<string, string[]>;

export abstract class DomainError extends Error {}

/** Nothing of that name or id that the caller may see (also: it exists, but is someone else's). */
export class NotFound extends DomainError {
  constructor() {
    super('Not found.');
  }
}

/** Input that breaks a rule; messages by field (`non_field_errors` for the whole input). */
export class InvalidInput extends DomainError {
  constructor(readonly fields: FieldErrors) {
    super(Object.values(fields).flat().join(' '));
  }
}

/** No credentials, or credentials that are not valid (now). */
export class Unauthenticated extends DomainError {}

/** Valid credentials that do not allow this. */
export class PermissionDenied extends DomainError {
  constructor(message = 'You do not have permission to perform this action.') {
    super(message);
  }
}

/** A signed or shared link that is bad, expired or revoked: one answer for all, so links cannot probe. */
export class LinkInvalid extends DomainError {
  constructor() {
    super('This link is invalid or has expired.');
  }
}

/** A body (a file) over its byte limit. */
export class TooLarge extends DomainError {
  constructor(
    readonly field: string,
    readonly maxBytes: number,
  ) {
    super(`Ensure this file is at most ${maxBytes} bytes.`);
  }
}

export class QuotaExceeded extends DomainError {
  constructor(
    readonly quota: 'bytes' | 'images',
    readonly limit: number,
    readonly used: number,
  ) {
    super(
      quota === 'images' ? `Image quota exceeded: you may keep ${limit} images.` : `Storage quota exceeded: you may keep ${limit} bytes.`,
    );
  }
}

/** Too many attempts of something; try again after the given time. */
export class Throttled extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The work cannot be taken on now (queues full, a time limit hit); try again after the given time. */
export class Busy extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The request conflicts with the current state (e.g. removing the last admin). */
export class Conflict extends DomainError {}

/** A request that is well-formed but cannot be carried out as asked (an idempotency key reused for another request). */
export class Unprocessable extends DomainError {}

/** A chunk whose Upload-Checksum (tus checksum extension) did not match what arrived: the chunk was dropped. */
export class ChecksumMismatch extends DomainError {
  constructor() {
    super('The checksum of the received chunk does not match Upload-Checksum; the chunk was discarded.');
  }
}
