import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens are 40 lowercase hex characters, derived as HMAC(server key, per-user random nonce).
 * The database holds the nonce and the token's SHA-256, never the token: a copy of the database
 * alone cannot be used to log in, yet /api-token-auth/ can still hand back the user's current
 * token as the original API did. Regenerating draws a new nonce, which changes the hash at once.
 */
export class TokenIssuer {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = createHmac('sha256', secretKey).update('image-api/api-token/v1').digest();
  }

  newNonce(): string {
    return randomBytes(32).toString('hex');
  }

  tokenFor(nonce: string): string {
    return createHmac('sha256', this.key).update(nonce).digest('hex').slice(0, 40);
  }
}

/** One-shot: a Hash object per call cost twice as much, on every authenticated request. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export const TOKEN_PATTERN = /^[0-9a-f]{40}$/;
