import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a media link grants: the bytes of one image of one owner, as they are now, in one rendition. */
export interface MediaRef {
  userId: number;
  number: number;
  sha256: string;
  /** The variant's canonical query ("" for the original): a link covers exactly one variant. */
  variant: string;
  /** The owner's link key: rotating it (POST /me/revoke-links, disabling the account) ends every link. */
  linkKey: string;
}

/** A signature as `sign` writes it: 32 bytes in unpadded base64url. Anything else (padding, dots, `!`) is refused. */
const CANONICAL_SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

export interface SignedMedia {
  exp: number;
  sig: string;
}

/**
 * HMAC-SHA256 signatures for media links. The signed message names the owner, the image, its
 * content hash and the exact variant, so a replace or delete makes old links useless and a link
 * cannot be bent to render other sizes. The first key signs and every key
 * verifies, so keys can be rotated without breaking links already handed out.
 */
export class MediaSigner {
  private readonly keys: Buffer[];
  private readonly bucketSeconds: number;

  constructor(
    secretKeys: readonly string[],
    private readonly ttlSeconds: number,
  ) {
    this.keys = secretKeys.map((secret) => createHmac('sha256', secret).update('image-api/media-url/v1').digest());
    // Expiry is rounded up to a bucket so that repeated listings hand out the same URL and browsers can cache it.
    this.bucketSeconds = Math.max(1, Math.min(300, Math.floor(ttlSeconds / 4)));
  }

  private mac(key: Buffer, ref: MediaRef, exp: number): Buffer {
    const message = `${ref.userId}\n${ref.number}\n${ref.sha256}\n${ref.variant}\n${exp}`;
    // Accounts made before link keys existed have none until they revoke their links: their links keep the v2 form.
    return createHmac('sha256', key)
      .update(ref.linkKey === '' ? `v2\n${message}` : `v3\n${message}\n${ref.linkKey}`)
      .digest();
  }

  /** When a link signed now expires: the same for every link signed within one bucket. */
  expiry(nowSeconds = Math.floor(Date.now() / 1000)): number {
    return Math.ceil((nowSeconds + this.ttlSeconds) / this.bucketSeconds) * this.bucketSeconds;
  }

  sign(ref: MediaRef, exp = this.expiry()): SignedMedia {
    return { exp, sig: this.mac(this.keys[0]!, ref, exp).toString('base64url') };
  }

  verify(ref: MediaRef, exp: number, sig: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
    if (!Number.isSafeInteger(exp) || exp < nowSeconds || !CANONICAL_SIGNATURE.test(sig)) return false;
    const given = Buffer.from(sig, 'base64url');
    let valid = false;
    for (const key of this.keys) {
      const expected = this.mac(key, ref, exp);
      // Every key is checked, so the time taken does not depend on which one matched.
      if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
    }
    return valid;
  }
}
