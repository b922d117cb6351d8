import type { ShareRecord } from './shares.js';

/** A share as its owner sees it, without its URL (given once, when made) or password: the API's JSON and its events. */
export function shareResource(share: ShareRecord) {
  return {
    id: share.id,
    image: share.image,
    album: share.album,
    label: share.label,
    expires_at: share.expiresAt,
    has_password: share.hasPassword,
    max_views: share.maxViews,
    views: share.views,
    last_viewed_at: share.lastViewedAt,
    presets: share.presets,
    allow_original: share.allowOriginal,
    allow_download: share.allowDownload,
    indexable: share.indexable,
    show_exif: share.showExif,
    show_location: share.showLocation,
    created_at: share.createdAt,
  };
}
