import { thumbHashToDataURL } from 'thumbhash';

const cache = new Map<string, string>();

/** The blurred preview a ThumbHash (base64, from the API's `placeholder`) stands for, as a PNG data URL. */
export function placeholderUrl(hash: string): string | null {
  const cached = cache.get(hash);
  if (cached) return cached;
  try {
    const bytes = Uint8Array.from(atob(hash), (char) => char.charCodeAt(0));
    const url = thumbHashToDataURL(bytes);
    cache.set(hash, url);
    return url;
  } catch {
    return null;
  }
}
