import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** A new signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The `webhook-signature` header of the Standard Webhooks scheme: `v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, keyed by the secret's bytes; one signature per secret, space-separated
 * (while a rotated-out secret still signs).
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}

/**
 * Keeps webhook secrets encrypted at rest (AES-256-GCM, key derived from SECRET_KEY): unlike passwords
 * and tokens they must be read back to sign. Every configured key decrypts (rotation); the first encrypts.
 */
export class SecretBox {
  private readonly keys: Buffer[];

  constructor(secretKeys: readonly string[]) {
    this.keys = secretKeys.map((key) => createHmac('sha256', key).update('image-api webhook secrets').digest());
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !body || !tag) throw new Error('not a sealed webhook secret');
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Sealed with another of the configured keys: try the next.
      }
    }
    throw new Error('a webhook secret cannot be opened with any configured SECRET_KEY');
  }
}
