import type { Generated, Insertable, Selectable } from 'kysely';

/** Timestamps are ISO-8601 UTC strings with milliseconds: portable, and they sort as they read. */
export type Timestamp = string;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  password_hash: string;
  /** SHA-256 of the current API token; the token itself is never stored. */
  token_hash: string;
  /** Random input from which the current token is derived with the server key (see auth/tokens.ts). */
  token_nonce: string;
  /** Per-user image id allocator: the next id to hand out. Never decreases, so ids are never reused. */
  next_image_number: number;
  /** The same for albums. */
  next_album_number: Generated<number>;
  created_at: Timestamp;
  /** 0 or 1. */
  is_admin: Generated<number>;
  /** Set while the account is disabled: its token and password are refused. */
  disabled_at: Timestamp | null;
  /** Every signed link of the user carries it (in its HMAC); a new one ends them all. Empty for accounts made before it existed. */
  link_key: Generated<string>;
  /** The username case-folded in NFKC form, unique: look-alike names cannot be registered. */
  username_key: string | null;
  /** Raised by every change to the user's presets (0: never had one): what cached presets are checked against. */
  presets_stamp: Generated<number>;
}

/** Content-addressed stored bytes, shared by every image with the same SHA-256. */
export interface BlobsTable {
  sha256: string;
  bytes: number;
  format: string;
  content_type: string;
  width: number;
  height: number;
  /** How many image rows point here. A blob at 0 whose lease has passed is garbage. */
  ref_count: number;
  /** Uploads of these bytes in flight: while any is, a sweep cannot remove bytes they are about to use. */
  pending_uploads: number;
  /** When the newest pending upload is given up for dead (its process crashed): pending_uploads stops protecting then. */
  lease_until: Timestamp | null;
  created_at: Timestamp;
  /** 0 or 1 (portable boolean). */
  animated: number;
  frames: number;
  has_alpha: number;
  /** ThumbHash, base64. */
  placeholder: string;
  /** #rrggbb */
  dominant_color: string;
}

export interface ImagesTable {
  id: Generated<number>;
  user_id: number;
  /** The id clients see: per user, from 1, never reused. */
  number: number;
  sha256: string;
  filename: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** JSON of the owner's EXIF summary (camera, lens, taken-at), or null. */
  exif: string | null;
  title: string | null;
  description: string | null;
  /** JSON object of the user's own names and values, or null. */
  metadata: string | null;
  /** JSON array of the image's tags (the indexed copy is image_tags). */
  tags: Generated<string>;
  /** When the photo was taken (from its EXIF summary), local time as recorded. */
  taken_at: string | null;
  trashed_at: Timestamp | null;
  /** The subject, as fractions (0-1) of the upright width and height; null: none set (crops keep the centre). */
  focal_x: number | null;
  focal_y: number | null;
  /** The image is purged at this time (an upload's expires_in/expires_at). */
  expires_at: Timestamp | null;
  /** Normalised words of the file name, title, description and tags (images/search.ts). */
  search_text: Generated<string>;
  /** The blob's facts, copied for per-user indexed filters. */
  format: Generated<string>;
  width: Generated<number>;
  height: Generated<number>;
  animated: Generated<number>;
}

export interface ImageTagsTable {
  image_id: number;
  user_id: number;
  /** The image's per-user id, so that a tag's images can be read in list order from one index. */
  number: number;
  tag: string;
}

export interface ImageMetadataTable {
  image_id: number;
  user_id: number;
  key: string;
  /** The value as text (numbers and booleans in their JSON form). */
  value: string;
}

export interface AlbumsTable {
  id: Generated<number>;
  user_id: number;
  /** The id clients see: per user, from 1, never reused. */
  number: number;
  title: string;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AlbumImagesTable {
  album_id: number;
  image_id: number;
  position: number;
}

/** A rendered variant of a blob, kept in storage under `key` and evicted least recently used first. */
export interface VariantsTable {
  key: string;
  blob_sha256: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  /** SHA-256 of the variant's bytes. */
  etag: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
}

/** An API key: its secret is never stored, only its SHA-256. */
export interface ApiKeysTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  key_hash: string;
  /** The first characters of the key, for the owner to recognise it (`imk_AbCd`). */
  prefix: string;
  /** JSON array of scope names. */
  scopes: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  last_used_from: string | null;
}

export interface SharesTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 (hex) of the token in the share's URL. */
  token_hash: string;
  image_id: number | null;
  album_id: number | null;
  label: string | null;
  expires_at: Timestamp | null;
  password_hash: string | null;
  max_views: number | null;
  views: Generated<number>;
  last_viewed_at: Timestamp | null;
  /** JSON array of the preset names that may be fetched; null: all. */
  presets: string | null;
  allow_original: Generated<number>;
  allow_download: Generated<number>;
  /** Search engines may index the page (no X-Robots-Tag: noindex). */
  indexable: Generated<number>;
  /** The public page and JSON carry the EXIF summary; the location only with show_location too. */
  show_exif: Generated<number>;
  show_location: Generated<number>;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  user_id: number;
  key: string;
  fingerprint: string;
  /** JSON of the answer to replay; null while the first request is in progress. */
  response: string | null;
  created_at: Timestamp;
}

export interface UploadsTable {
  /** The tus upload id (its URL's last segment). */
  id: string;
  user_id: number;
  length: number | string;
  offset: Generated<number | string>;
  fields: string;
  filename: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  image_number: number | null;
  error_status: number | null;
  error: string | null;
  finishing_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface UploadPartsTable {
  upload_id: string;
  offset: number | string;
  bytes: number | string;
  /** Storage key of the part's bytes. */
  key: string;
}

export interface CountersTable {
  key: string;
  count: number;
  /** Milliseconds since the epoch when the window ends. */
  reset_at: number;
}

export interface PresetsTable {
  user_id: number;
  name: string;
  /** The canonical variant query (http/variant-query.ts) the name stands for. */
  params: string;
  created_at: string;
  updated_at: string;
}

export interface WebhooksTable {
  id: Generated<number>;
  user_id: number;
  url: string;
  /** JSON array of event types. */
  events: string;
  description: string | null;
  /** Encrypted signing secret (and the one it replaced, which also signs until previous_secret_until). */
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Timestamp | null;
  consecutive_failures: Generated<number>;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EventsTable {
  id: string;
  user_id: number;
  type: string;
  /** JSON: the resource as the API shows it, without signed links. */
  data: string;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  event_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  locked_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  last_attempt_at: Timestamp | null;
  created_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  webhook_id: number;
  attempt: number;
  attempted_at: Timestamp;
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
}

export interface Database {
  webhooks: WebhooksTable;
  presets: PresetsTable;
  counters: CountersTable;
  webhook_attempts: WebhookAttemptsTable;
  events: EventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  idempotency_keys: IdempotencyKeysTable;
  uploads: UploadsTable;
  upload_parts: UploadPartsTable;
  shares: SharesTable;
  users: UsersTable;
  image_tags: ImageTagsTable;
  image_metadata: ImageMetadataTable;
  albums: AlbumsTable;
  album_images: AlbumImagesTable;
  api_keys: ApiKeysTable;
  blobs: BlobsTable;
  images: ImagesTable;
  variants: VariantsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type BlobRow = Selectable<BlobsTable>;
export type ImageRow = Selectable<ImagesTable>;

export function now(): Timestamp {
  return new Date().toISOString();
}
