import { Type, type Static } from 'typebox';

export const ALBUM_LIMITS = { title: 200, description: 5000, images: 10_000 } as const;

export const Album = Type.Object({
  id: Type.Integer({ description: 'Per-user id, from 1, never reused' }),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  image_count: Type.Integer({ description: 'Images in the album, not counting those in the trash' }),
  cover: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
    description: "A signed link to the first image's thumbnail (null for an empty album)",
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time', description: 'Last change of its title, description or images' }),
});
export type Album = Static<typeof Album>;

export const AlbumList = Type.Array(Album);

export const NewAlbum = Type.Object(
  {
    title: Type.String({ maxLength: 10_000 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type NewAlbum = Static<typeof NewAlbum>;

export const AlbumChange = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 10_000 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type AlbumChange = Static<typeof AlbumChange>;

export const AlbumImageIds = Type.Object(
  { ids: Type.Array(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), { maxItems: ALBUM_LIMITS.images, description: 'Image ids' }) },
  { additionalProperties: false },
);
export type AlbumImageIds = Static<typeof AlbumImageIds>;

export const AlbumListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'From the Link header of the previous page' })),
});
