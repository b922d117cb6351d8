import { Type, type Static } from 'typebox';
import { FITS } from '../processing/geometry.js';
import { IMAGE_FORMATS, REQUESTED_FORMATS } from '../processing/formats.js';

export const ExifSummary = Type.Union(
  [
    Type.Object({
      camera: Type.Optional(Type.String()),
      lens: Type.Optional(Type.String()),
      taken_at: Type.Optional(Type.String({ description: 'Local time as the camera recorded it, without zone' })),
      exposure: Type.Optional(Type.String()),
      location: Type.Optional(Type.Object({ latitude: Type.Number(), longitude: Type.Number() })),
    }),
    Type.Null(),
  ],
  { description: "A safe summary of the photo's EXIF (never serial numbers; the location only where the deployment enables it)" },
);
export type ExifSummary = Exclude<Static<typeof ExifSummary>, null>;

/** An image as its owner sees it: the one definition of the image JSON. */
export const Image = Type.Object({
  id: Type.Integer({ description: 'Per-user id, from 1, never reused' }),
  url: Type.String({ format: 'uri', description: 'Signed, expiring link to the bytes; works without headers (e.g. in <img>)' }),
  url_expires_at: Type.String({ format: 'date-time' }),
  content_url: Type.String({ format: 'uri', description: 'Stable link to the bytes; needs the Authorization header' }),
  filename: Type.String({ description: "The client's file name, sanitised for display" }),
  content_type: Type.String({ description: 'Detected from the content' }),
  format: Type.Enum(IMAGE_FORMATS),
  width: Type.Integer({ description: 'Upright width (EXIF orientation applied)' }),
  height: Type.Integer({ description: 'Upright height' }),
  bytes: Type.Integer({ description: 'Size of the stored file (metadata removed)' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the stored file' }),
  animated: Type.Boolean(),
  frames: Type.Integer(),
  has_alpha: Type.Boolean(),
  placeholder: Type.String({ description: 'ThumbHash (base64) of the image: decode it into a blurred placeholder' }),
  dominant_color: Type.String({ pattern: '^#[0-9a-f]{6}$' }),
  exif: ExifSummary,
  variants: Type.Record(Type.String(), Type.String({ format: 'uri' }), { description: 'A signed link for every preset' }),
  srcset: Type.String({ description: 'Ready for <img srcset>: the width-only presets at the widths they produce' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Image = Static<typeof Image>;

export const ImageList = Type.Array(Image);

export const ListOrder = Type.Enum(['oldest', 'newest'], {
  default: 'oldest',
  description: 'By upload order (id); a replace keeps its place',
});

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'From the Link header of the previous page' })),
  order: ListOrder,
});

/** Documents multipart uploads in the spec only: the body is streamed by the handler, not validated as JSON. */
export const MultipartImage = Type.Object({ image: Type.String({ format: 'binary', description: 'The image file' }) });

/** Variant parameters, accepted by the owner's content path and by signed links. */
export const VariantQueryProperties = {
  w: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384, description: 'Width (CSS pixels; multiplied by dpr)' })),
  h: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384, description: 'Height (CSS pixels; multiplied by dpr)' })),
  fit: Type.Optional(Type.Enum(FITS, { description: 'Default inside' })),
  format: Type.Optional(Type.Enum(REQUESTED_FORMATS, { description: 'auto: AVIF, then WebP, then the original format, by Accept' })),
  q: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Quality' })),
  dpr: Type.Optional(Type.Number({ minimum: 0.5, maximum: 4, description: 'Device pixel ratio' })),
  enlarge: Type.Optional(Type.Boolean({ description: 'Allow output larger than the original' })),
};

export const ContentQuery = Type.Object({
  ...VariantQueryProperties,
  preset: Type.Optional(Type.String({ maxLength: 32, description: 'A named preset instead of the parameters' })),
});

export const MediaQuery = Type.Object({
  ...VariantQueryProperties,
  preset: Type.Optional(Type.String({ maxLength: 32, description: 'Not accepted on links (their parameters are signed)' })),
  exp: Type.Optional(Type.String({ maxLength: 20 })),
  sig: Type.Optional(Type.String({ maxLength: 100 })),
});

export type VariantQuery = Static<typeof ContentQuery>;

export const MediaParams = Type.Object({ userId: Type.String(), id: Type.String() });
