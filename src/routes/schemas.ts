/** JSON schemas shared by the routes; they validate requests and generate the OpenAPI spec. */

export const errorSchema = {
  type: 'object',
  description: 'DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]}',
  additionalProperties: true,
} as const;

export const tokenSchema = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', pattern: '^[0-9a-f]{40}$', description: 'API token: send it as `Authorization: Token <token>`' } },
} as const;

export const credentialsBody = {
  type: 'object',
  properties: {
    username: { type: 'string', maxLength: 150, description: 'Letters, digits and @ . + - _' },
    password: { type: 'string', maxLength: 128 },
  },
  required: ['username', 'password'],
} as const;

export const registrationBody = {
  ...credentialsBody,
  properties: {
    ...credentialsBody.properties,
    password: {
      type: 'string',
      maxLength: 128,
      description: 'At least 8 characters, not entirely numeric, not common, not like the username',
    },
    email: { type: 'string', maxLength: 254 },
  },
} as const;

const exifSchema = {
  type: 'object',
  nullable: true,
  description: "A safe summary of the photo's EXIF (never serial numbers; the location only where the deployment enables it)",
  properties: {
    camera: { type: 'string' },
    lens: { type: 'string' },
    taken_at: { type: 'string', description: 'Local time as the camera recorded it, without zone' },
    exposure: { type: 'string' },
    location: { type: 'object', properties: { latitude: { type: 'number' }, longitude: { type: 'number' } } },
  },
} as const;

export const imageSchema = {
  type: 'object',
  required: [
    'id',
    'url',
    'url_expires_at',
    'content_url',
    'filename',
    'content_type',
    'format',
    'width',
    'height',
    'bytes',
    'sha256',
    'animated',
    'frames',
    'has_alpha',
    'placeholder',
    'dominant_color',
    'exif',
    'variants',
    'srcset',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'integer', description: 'Per-user id, from 1, never reused' },
    url: { type: 'string', format: 'uri', description: 'Signed, expiring link to the bytes; works without headers (e.g. in <img>)' },
    url_expires_at: { type: 'string', format: 'date-time' },
    content_url: { type: 'string', format: 'uri', description: 'Stable link to the bytes; needs the Authorization header' },
    filename: { type: 'string', description: "The client's file name, sanitised for display" },
    content_type: { type: 'string', description: 'Detected from the content' },
    format: { type: 'string', enum: ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] },
    width: { type: 'integer', description: 'Upright width (EXIF orientation applied)' },
    height: { type: 'integer', description: 'Upright height' },
    bytes: { type: 'integer', description: 'Size of the stored file (metadata removed)' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the stored file' },
    animated: { type: 'boolean' },
    frames: { type: 'integer' },
    has_alpha: { type: 'boolean' },
    placeholder: { type: 'string', description: 'ThumbHash (base64) of the image: decode it into a blurred placeholder' },
    dominant_color: { type: 'string', pattern: '^#[0-9a-f]{6}$' },
    exif: exifSchema,
    variants: { type: 'object', additionalProperties: { type: 'string', format: 'uri' }, description: 'A signed link for every preset' },
    srcset: { type: 'string', description: 'Ready for <img srcset>: the width-only presets at the widths they produce' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const imageIdParams = {
  type: 'object',
  properties: { id: { type: 'string', description: 'The image id (a positive integer)' } },
  required: ['id'],
} as const;

/** Documents multipart uploads in the spec only: the body is streamed by the handler, not validated as JSON. */
export const multipartImageBody = {
  type: 'object',
  required: ['image'],
  properties: { image: { type: 'string', format: 'binary', description: 'The image file' } },
} as const;

export const binaryResponse = {
  description: 'The image bytes',
  content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
} as const;

/** Variant parameters, accepted by the owner's content path and by signed links. */
export const variantQueryProperties = {
  w: { type: 'integer', minimum: 1, maximum: 16384, description: 'Width (CSS pixels; multiplied by dpr)' },
  h: { type: 'integer', minimum: 1, maximum: 16384, description: 'Height (CSS pixels; multiplied by dpr)' },
  fit: { type: 'string', enum: ['cover', 'contain', 'inside', 'outside', 'fill'], description: 'Default inside' },
  format: {
    type: 'string',
    enum: ['jpeg', 'png', 'webp', 'avif', 'gif', 'auto'],
    description: 'auto: AVIF, then WebP, then the original format, by Accept',
  },
  q: { type: 'integer', minimum: 1, maximum: 100, description: 'Quality' },
  dpr: { type: 'number', minimum: 0.5, maximum: 4, description: 'Device pixel ratio' },
  enlarge: { type: 'boolean', description: 'Allow output larger than the original' },
  preset: { type: 'string', maxLength: 32, description: 'A named preset instead of the parameters (owner path only)' },
} as const;
