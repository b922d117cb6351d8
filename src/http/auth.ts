import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser, AuthService } from '../auth/service.js';
import { Unauthenticated } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthenticatedUser | null;
  }
}

/** An onRequest hook: resolves the token before any body is read, so anonymous uploads are refused unread. */
export function requireUser(auth: AuthService) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const user = await auth.authenticate(request.headers.authorization);
    if (!user) throw new Unauthenticated('Authentication credentials were not provided.');
    request.user = user;
  };
}

export function currentUser(request: FastifyRequest): AuthenticatedUser {
  if (!request.user) throw new Unauthenticated('Authentication credentials were not provided.');
  return request.user;
}
