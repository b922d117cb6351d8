/**
 * Everything the service knows about each image format, in one table: the rest of the code asks it
 * rather than keeping lists of its own.
 */
export interface FormatFacts {
  contentType: string;
  /** File extension, for download names and exports. */
  extension: string;
  /** Quality used when a variant in this format is encoded without one (null: lossless only). */
  defaultQuality: number | null;
  /** Can hold several frames that we keep (animated variants). */
  canAnimate: boolean;
  /** Metadata can be removed by rewriting the container (processing/strip.ts), without re-encoding. */
  strippableLosslessly: boolean;
  /** Variants can be rendered in it. */
  encodable: boolean;
  /** Keeps transparency (else a background is flattened in, black unless `background=` says). */
  hasAlpha: boolean;
}

/** Formats we accept, by sharp's name for them. */
export const FORMATS = {
  jpeg: {
    contentType: 'image/jpeg',
    extension: 'jpg',
    defaultQuality: 80,
    canAnimate: false,
    strippableLosslessly: true,
    encodable: true,
    hasAlpha: false,
  },
  png: {
    contentType: 'image/png',
    extension: 'png',
    defaultQuality: null,
    canAnimate: false,
    strippableLosslessly: true,
    encodable: true,
    hasAlpha: true,
  },
  webp: {
    contentType: 'image/webp',
    extension: 'webp',
    defaultQuality: 80,
    canAnimate: true,
    strippableLosslessly: true,
    encodable: true,
    hasAlpha: true,
  },
  gif: {
    contentType: 'image/gif',
    extension: 'gif',
    defaultQuality: null,
    canAnimate: true,
    strippableLosslessly: true,
    encodable: true,
    hasAlpha: true,
  },
  avif: {
    contentType: 'image/avif',
    extension: 'avif',
    defaultQuality: 55,
    canAnimate: false,
    strippableLosslessly: false,
    encodable: true,
    hasAlpha: true,
  },
  tiff: {
    contentType: 'image/tiff',
    extension: 'tif',
    defaultQuality: null,
    canAnimate: false,
    strippableLosslessly: false,
    encodable: false,
    hasAlpha: true,
  },
} as const satisfies Record<string, FormatFacts>;

export type ImageFormat = keyof typeof FORMATS;
export const IMAGE_FORMATS = Object.keys(FORMATS) as ImageFormat[];

/** A format variants can be rendered in. */
export type EncodableFormat = { [F in ImageFormat]: (typeof FORMATS)[F]['encodable'] extends true ? F : never }[ImageFormat];
export const ENCODABLE_FORMATS = IMAGE_FORMATS.filter((format): format is EncodableFormat => FORMATS[format].encodable);

/** What a client may ask a variant in: a format, or `auto` (chosen from the Accept header). */
export type RequestedFormat = EncodableFormat | 'auto';
export const REQUESTED_FORMATS: readonly RequestedFormat[] = [...ENCODABLE_FORMATS, 'auto'];

export function isImageFormat(name: string): name is ImageFormat {
  return Object.hasOwn(FORMATS, name);
}

export function facts(format: ImageFormat): FormatFacts {
  return FORMATS[format];
}
