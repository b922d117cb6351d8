import { Type } from 'typebox';
import type { Scope } from '../auth/scopes.js';

/** Errors in Django REST Framework's shapes: `{"detail": "..."}`, or messages by field `{"<field>": ["...", ...]}`. */
export const ErrorBody = Type.Object(
  { detail: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]}' },
);

/** The error responses a route may give, by status. */
export function errors<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorBody } {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as { [K in S[number]]: typeof ErrorBody };
}

export const NoContent = Type.Null({ description: 'No content' });

/** A path id: digits, or anything else that then names nothing (404, as the original API answered). */
export const IdParam = Type.String({ description: 'A positive integer' });

/** The response of byte routes: documented for the spec, streamed (never serialised) by the handler. */
export const binaryResponse = {
  description: 'The image bytes',
  content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
} as const;

/**
 * What an operation needs: the account's token or an API key (as Bearer or DRF `Token`) holding these
 * scopes. In the spec as the operation's `security` (with the scopes) and `x-scopes`, which the
 * authentication hook enforces.
 */
export function requires<const S extends readonly Scope[]>(...scopes: S): { security: { token: S }[]; 'x-scopes': S } {
  return { security: [{ token: scopes }], 'x-scopes': scopes };
}
/** Operations anyone may call. */
export const PUBLIC: { [name: string]: string[] }[] = [];
