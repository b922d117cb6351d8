/** Every event a webhook may subscribe to. */
export const EVENT_TYPES = [
  'image.created',
  'image.replaced',
  'image.updated',
  'image.deleted',
  'image.trashed',
  'image.restored',
  'album.created',
  'album.updated',
  'album.deleted',
  'share.created',
  'share.revoked',
  'share.viewed',
  'quota.warning',
  'ping',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
