import { Type, type Static } from 'typebox';
import { FLIPS, type Rotation } from '../processing/edits.js';
import { FITS, POSITIONS } from '../processing/geometry.js';
import { IMAGE_FORMATS, REQUESTED_FORMATS } from '../processing/formats.js';
import { LIMITS } from '../images/fields.js';

export const Metadata = Type.Record(
  Type.String({ maxLength: LIMITS.metadataKeyLength }),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  {
    description: 'Your own names and values (at most 50, 8 KiB in all)',
  },
);

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
/** A point of the upright image, as fractions of its width and height (0,0 is the top left corner). */
export const FocalPoint = Type.Object(
  {
    x: Type.Number({ minimum: 0, maximum: 1, description: 'From the left edge (0) to the right edge (1)' }),
    y: Type.Number({ minimum: 0, maximum: 1, description: 'From the top edge (0) to the bottom edge (1)' }),
  },
  { additionalProperties: false },
);

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
  title: Type.Union([Type.String({ maxLength: LIMITS.title }), Type.Null()]),
  description: Type.Union([Type.String({ maxLength: LIMITS.description }), Type.Null()]),
  tags: Type.Array(Type.String(), { description: 'Lower-case, in the order given' }),
  metadata: Type.Union([Metadata, Type.Null()]),
  albums: Type.Array(Type.Integer(), { description: 'Ids of the albums the image is in' }),
  focal_point: Type.Union([FocalPoint, Type.Null()], { description: 'The subject, kept by position=focal crops (null: none set)' }),
  trashed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Set while the image is in the trash: its links and shares do not work then',
  }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The image is deleted at this time' }),
});
export type Image = Static<typeof Image>;

export const ImageList = Type.Array(Image);

/** The answer to a multi-file upload: one result per file, in the order sent. */
export const UploadResults = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ description: "Position of the file among the request's files, from 0" }),
      status: Type.Integer({ description: 'The status this file alone would have got (201, 400, 413, ...)' }),
      image: Type.Optional(Image),
      error: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The DRF-style error body, when refused' })),
    }),
  ),
});

export const LIST_ORDERS = ['oldest', 'newest', 'taken', '-taken', 'title', 'album'] as const;

export const ListOrder = Type.Enum(LIST_ORDERS, {
  default: 'oldest',
  description:
    'oldest/newest: by upload order (id; a replace keeps its place). taken/-taken: by the EXIF time the photo was taken, then ' +
    'the images without one. title: by title, then the untitled. album: in the order of the album given by album=',
});

const Timestamp = Type.String({ format: 'date-time' });
/** One value or several (`tag=a&tag=b`). */
const OneOrMany = (item: ReturnType<typeof Type.String>) => Type.Union([item, Type.Array(item, { maxItems: LIMITS.tags })]);

/** Image and media routes refuse query parameters they do not know (`?thumb`, `?variant=`), naming them. */
const STRICT_QUERY = { additionalProperties: false } as const;

/** The keys of `metadata.<key>=` filters. */
export const METADATA_FILTER = '^metadata\\.[A-Za-z0-9_.:-]{1,64}$';

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'From the Link header of the previous page' })),
    order: ListOrder,
    tag: Type.Optional(OneOrMany(Type.String({ maxLength: 100, description: 'Images with this tag; repeat for all of several' }))),
    album: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'Images in this album' })),
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'Words in the file name, title, description or tags: all must match, whole words, case and accents ignored; ' +
          'a word ending in * matches words that start with it (harb*)',
      }),
    ),
    format: Type.Optional(Type.Enum(IMAGE_FORMATS)),
    animated: Type.Optional(Type.Boolean()),
    min_width: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
    min_height: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
    created_after: Type.Optional({ ...Timestamp, description: 'Uploaded at or after' }),
    created_before: Type.Optional({ ...Timestamp, description: 'Uploaded before' }),
    taken_after: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}',
        maxLength: 32,
        description: 'Taken at or after (EXIF local time; a date or date-time)',
      }),
    ),
    taken_before: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}', maxLength: 32, description: 'Taken before' })),
    sha256: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Images with exactly these bytes (check before uploading)' }),
    ),
  },
  {
    ...STRICT_QUERY,
    patternProperties: {
      [METADATA_FILTER]: Type.String({ maxLength: 1000, description: 'metadata.<key>=<value>: equality with a metadata value, as text' }),
    },
  },
);
export type ListQuery = Static<typeof ListQuery>;

export const TrashQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'From the Link header of the previous page' })),
  },
  STRICT_QUERY,
);

const TagName = Type.String({ minLength: 1, maxLength: 200 });

export const ImageChange = Type.Object(
  {
    title: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
    tags: Type.Optional(Type.Array(TagName, { maxItems: 1000, description: 'Replaces the tags' })),
    add_tags: Type.Optional(Type.Array(TagName, { maxItems: 1000 })),
    remove_tags: Type.Optional(Type.Array(TagName, { maxItems: 1000 })),
    metadata: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'Replaces the metadata' }),
    ),
    focal_point: Type.Optional(
      Type.Union([FocalPoint, Type.Null()], { description: 'The subject, kept by position=focal crops; null clears it' }),
    ),
  },
  { additionalProperties: false },
);
export type ImageChange = Static<typeof ImageChange>;

export const BULK_ACTIONS = ['delete', 'add_tags', 'remove_tags', 'add_to_album', 'remove_from_album', 'trash', 'restore'] as const;

export const BulkRequest = Type.Object(
  {
    ids: Type.Array(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), { minItems: 1, maxItems: 1000 }),
    action: Type.Enum(BULK_ACTIONS),
    tags: Type.Optional(Type.Array(TagName, { maxItems: 1000, description: 'For add_tags and remove_tags' })),
    album: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'For add_to_album and remove_from_album' })),
  },
  { additionalProperties: false },
);
export type BulkRequest = Static<typeof BulkRequest>;

export const BulkResult = Type.Object({ action: Type.Enum(BULK_ACTIONS), count: Type.Integer() });

export const TagList = Type.Array(Type.Object({ tag: Type.String(), count: Type.Integer() }));

/** Documents multipart uploads in the spec only: the body is streamed by the handler, not validated as JSON. */
export const MultipartImage = Type.Object({ image: Type.String({ format: 'binary', description: 'The image file' }) });

/** Variant parameters, accepted by the owner's content path and by signed links. */
export const VariantQueryProperties = {
  w: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384, description: 'Width (CSS pixels; multiplied by dpr)' })),
  h: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384, description: 'Height (CSS pixels; multiplied by dpr)' })),
  fit: Type.Optional(Type.Enum(FITS, { description: 'Default inside' })),
  position: Type.Optional(
    Type.Enum(POSITIONS, {
      description:
        'With fit=cover: what the crop keeps. center (default); a compass point keeps that side or corner; entropy the busiest ' +
        'region; attention the region most likely to draw the eye (costs more to render)',
    }),
  ),
  format: Type.Optional(Type.Enum(REQUESTED_FORMATS, { description: 'auto: AVIF, then WebP, then the original format, by Accept' })),
  q: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Quality' })),
  dpr: Type.Optional(Type.Number({ minimum: 0.5, maximum: 4, description: 'Device pixel ratio' })),
  enlarge: Type.Optional(Type.Boolean({ description: 'Allow output larger than the original' })),
  crop: Type.Optional(
    Type.String({
      pattern: '^\\d{1,5},\\d{1,5},\\d{1,5},\\d{1,5}$',
      'x-hint': 'Expected x,y,w,h in pixels of the upright original, e.g. 100,50,800,600.',
      description: 'x,y,w,h: the rectangle to keep, in pixels of the upright original, before resizing; inside the image',
    }),
  ),
  rotate: Type.Optional(Type.Unsafe<Rotation | 0>({ type: 'integer', enum: [0, 90, 180, 270], description: 'Clockwise, after crop' })),
  flip: Type.Optional(Type.Enum(FLIPS, { description: 'Mirror after rotate: h left-right, v top-bottom, hv both' })),
  trim: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 255,
      description: 'Remove a uniform border: how far (0–255 per channel) a pixel may differ from the top-left one. Still images only',
    }),
  ),
  blur: Type.Optional(
    Type.Number({ minimum: 0.3, maximum: 100, description: 'Gaussian blur sigma in output pixels; sigma × output megapixels ≤ 400' }),
  ),
  sharpen: Type.Optional(Type.Number({ minimum: 0.5, maximum: 10, description: 'Sharpen sigma in output pixels' })),
  grayscale: Type.Optional(Type.Boolean({ description: 'Shades of grey' })),
  pad: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1000, description: 'Pixels added on every side after resizing (CSS pixels; multiplied by dpr)' }),
  ),
  background: Type.Optional(
    Type.String({
      pattern: '^([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$',
      'x-hint': 'Expected a hex colour rrggbb or rrggbbaa, without #.',
      description:
        'rrggbb or rrggbbaa: fills the pad and fit=contain letterbox, and is flattened under transparency (always when opaque, ' +
        'and for JPEG). Default: transparent, black in JPEG',
    }),
  ),
};

export const ContentQuery = Type.Object(
  {
    ...VariantQueryProperties,
    preset: Type.Optional(Type.String({ maxLength: 32, description: 'A named preset instead of the parameters' })),
  },
  STRICT_QUERY,
);

export const MediaQuery = Type.Object(
  {
    ...VariantQueryProperties,
    preset: Type.Optional(Type.String({ maxLength: 32, description: "One of the owner's own presets (the links of `variants` carry it)" })),
    exp: Type.Optional(Type.String({ maxLength: 20 })),
    sig: Type.Optional(Type.String({ maxLength: 100 })),
  },
  STRICT_QUERY,
);

export type VariantQuery = Static<typeof ContentQuery>;

/** A preset's parameters: the variant parameters alone (no other preset, no signature). */
export const PresetParamsQuery = Type.Object(VariantQueryProperties, STRICT_QUERY);

const PresetName = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,31}$',
  'x-hint': 'Use 1 to 32 lower-case letters, digits, - and _, starting with a letter.',
  description: 'Used as ?preset=<name>, in image JSON variants and in share URLs',
});
const PresetParams = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'Variant parameters as a query string, e.g. w=400&h=300&fit=cover&position=attention&format=auto',
  examples: ['w=400&h=300&fit=cover&position=attention&format=auto'],
});

export const Preset = Type.Object({
  name: Type.String(),
  params: Type.String({ description: 'The parameters in their canonical order (what links and signatures carry)' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export const PresetCreate = Type.Object({ name: PresetName, params: PresetParams }, { additionalProperties: false });
export const PresetUpdate = Type.Object(
  { name: Type.Optional(PresetName), params: Type.Optional(PresetParams) },
  { additionalProperties: false },
);
export const PresetPath = Type.Object({ name: Type.String({ maxLength: 32 }) });

export const MediaParams = Type.Object({ userId: Type.String(), id: Type.String() });
