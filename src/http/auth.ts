import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser, AuthService } from '../auth/service.js';
import type { Scope } from '../auth/scopes.js';
import { PermissionDenied, Unauthenticated } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthenticatedUser | null;
  }
}

/** The scopes a route declares in its schema (`x-scopes`, from schemas/common.ts `requires()`). */
export function routeScopes(request: FastifyRequest): readonly Scope[] | undefined {
  return (request.routeOptions.schema as { 'x-scopes'?: Scope[] } | undefined)?.['x-scopes'];
}

/**
 * An onRequest hook: resolves the token or API key before any body is read (so anonymous uploads are
 * refused unread), then holds the credentials to the scopes the route declares. A route that declares
 * none is closed to API keys (the spec walk in the tests makes sure every route declares its scopes).
 */
export function requireUser(auth: AuthService) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const user = await auth.authenticate(request.headers.authorization, request.ip);
    if (!user) throw new Unauthenticated('Authentication credentials were not provided.');
    request.user = user;
    const needed = routeScopes(request);
    if (!needed) {
      if (user.keyId !== null) throw new PermissionDenied('API keys cannot be used here.');
      return;
    }
    const missing = needed.find((scope) => !user.scopes.has(scope));
    // The token lacks a scope only for admin routes of a non-admin: DRF's general refusal then.
    if (missing) throw user.keyId === null ? new PermissionDenied() : new PermissionDenied(`This key lacks the scope ${missing}.`);
  };
}

export function currentUser(request: FastifyRequest): AuthenticatedUser {
  if (!request.user) throw new Unauthenticated('Authentication credentials were not provided.');
  return request.user;
}
