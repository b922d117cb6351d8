const MAX_FILENAME_LENGTH = 255;
// C0 and C1 control characters, DEL, and the Unicode bidirectional overrides that can disguise an extension.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/**
 * The client's file name made safe for display and for Content-Disposition: the last path
 * segment only, no control characters, at most 255 characters. It is never used as a path.
 */
export function sanitiseFilename(name: string | undefined): string {
  const lastSegment = (name ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment.replace(UNSAFE_CHARACTERS, '').replace(/\s+/gu, ' ').trim();
  const characters = Array.from(cleaned.normalize('NFC'));
  const shortened =
    characters.length > MAX_FILENAME_LENGTH ? characters.slice(characters.length - MAX_FILENAME_LENGTH).join('') : cleaned.normalize('NFC');
  return shortened === '' || shortened === '.' || shortened === '..' ? 'image' : shortened;
}

/** Content-Disposition value with an ASCII fallback and the exact name in RFC 5987 form. */
export function contentDisposition(filename: string, disposition: 'inline' | 'attachment' = 'inline'): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Browsers escape ", CR and LF in multipart file names as %22, %0D and %0A (HTML's form encoding); undo just that. */
export function decodeFormFilename(name: string): string {
  return name.replace(/%22/gi, '"').replace(/%0d/gi, '\r').replace(/%0a/gi, '\n');
}
