import type { ImageRecord } from './catalog.js';

/** An image as the API shows it, without any link: the fields of the image JSON that do not expire. */
export function imageResource(image: ImageRecord) {
  return {
    id: image.number,
    filename: image.filename,
    content_type: image.contentType,
    format: image.format,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    sha256: image.sha256,
    animated: image.animated,
    frames: image.frames,
    has_alpha: image.hasAlpha,
    placeholder: image.placeholder,
    dominant_color: image.dominantColor,
    exif: image.exif,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
    title: image.title,
    description: image.description,
    tags: image.tags,
    metadata: image.metadata,
    albums: image.albums,
    focal_point: image.focalX === null || image.focalY === null ? null : { x: image.focalX, y: image.focalY },
    trashed_at: image.trashedAt,
    expires_at: image.expiresAt,
  };
}

export type ImageResource = ReturnType<typeof imageResource>;
