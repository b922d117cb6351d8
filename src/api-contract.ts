// The JSON the API hands out, as types with no imports: the server builds it (http/present.ts) and
// the browser app (web/src/api.ts) reads it, both checked against these one definitions.

/** What the owner may see of a photo's metadata: no serial numbers, no owner names, no location unless enabled. */
export interface ExifSummary {
  camera?: string;
  lens?: string;
  /** As recorded by the camera: local time, no zone (EXIF has none). */
  taken_at?: string;
  exposure?: string;
  location?: { latitude: number; longitude: number };
}

/** How an image is shown to its owner. Field names are the API's contract (see the OpenAPI spec). */
export interface ImageJson {
  id: number;
  url: string;
  url_expires_at: string;
  content_url: string;
  filename: string;
  content_type: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  animated: boolean;
  frames: number;
  has_alpha: boolean;
  placeholder: string;
  dominant_color: string;
  exif: ExifSummary | null;
  variants: Record<string, string>;
  srcset: string;
  created_at: string;
  updated_at: string;
}
