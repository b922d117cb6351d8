/** Storage keys: originals by content hash; variants under their blob, so they go with it. */
export function blobKey(sha256: string): string {
  return `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

export function variantKey(sha256: string, spec: string, format: string): string {
  return `variants/${sha256.slice(0, 2)}/${sha256}/${spec}.${format}`;
}

export function variantPrefix(sha256: string): string {
  return `variants/${sha256.slice(0, 2)}/${sha256}/`;
}

export const SHA256_IN_BLOB_KEY = /^originals\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/;
