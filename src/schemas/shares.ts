import { Type, type Static } from 'typebox';
import { ExifSummary } from './images.js';

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const Share = Type.Object({
  id: Type.Integer(),
  url: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
    description: 'The public link: given once, when the share is made (only a hash of its token is kept)',
  }),
  image: Nullable(Type.Integer({ description: 'The shared image' })),
  album: Nullable(Type.Integer({ description: 'The shared album' })),
  label: Nullable(Type.String({ description: 'Who the link is for' })),
  expires_at: Nullable(Time),
  has_password: Type.Boolean(),
  max_views: Nullable(Type.Integer()),
  views: Type.Integer({ description: 'Page and JSON views (byte requests are not counted)' }),
  last_viewed_at: Nullable(Time),
  presets: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Variant presets that may be fetched; null: all' }),
  allow_original: Type.Boolean(),
  allow_download: Type.Boolean(),
  indexable: Type.Boolean({ description: 'Search engines may index the page (otherwise X-Robots-Tag: noindex)' }),
  show_exif: Type.Boolean({ description: "The page and its JSON carry the images' EXIF summary (camera, lens, exposure, time)" }),
  show_location: Type.Boolean({ description: 'With show_exif: the location too, where the deployment keeps it' }),
  created_at: Time,
  embed: Type.Optional(
    Type.Object(
      { html: Type.String(), markdown: Type.String(), bbcode: Type.String() },
      { description: 'Ready-made snippets for the first image (given once, with the url)' },
    ),
  ),
});
export type Share = Static<typeof Share>;

const Settings = {
  label: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
  expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  password: Type.Optional(
    Type.Union([Type.String({ maxLength: 1000 }), Type.Null()], { description: '8 to 128 characters; null removes it' }),
  ),
  max_views: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Null()])),
  presets: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 32 }), { maxItems: 50 }), Type.Null()])),
  allow_original: Type.Optional(Type.Boolean()),
  allow_download: Type.Optional(Type.Boolean()),
  indexable: Type.Optional(Type.Boolean()),
  show_exif: Type.Optional(Type.Boolean()),
  show_location: Type.Optional(Type.Boolean()),
};

export const NewShare = Type.Object(
  {
    image: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
    album: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
    ...Settings,
  },
  { additionalProperties: false },
);
export type NewShare = Static<typeof NewShare>;

export const ShareChange = Type.Object(Settings, { additionalProperties: false });
export type ShareChange = Static<typeof ShareChange>;

export const ShareListQuery = Type.Object({
  image: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
  album: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
});

const PublicUrls = Type.Object({
  stable: Type.String({ format: 'uri', description: 'Always the current content; cached briefly' }),
  immutable: Type.String({ format: 'uri', description: 'This content only (404 after a replace); cached for long' }),
});

export const PublicShare = Type.Object({
  title: Nullable(Type.String()),
  images: Type.Array(
    Type.Object({
      id: Type.Integer(),
      title: Nullable(Type.String()),
      width: Type.Integer(),
      height: Type.Integer(),
      placeholder: Type.String(),
      dominant_color: Type.String(),
      original: Type.Union([PublicUrls, Type.Null()]),
      download: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
        description: 'The original as a file to save (Content-Disposition: attachment), where the share allows it',
      }),
      variants: Type.Record(Type.String(), PublicUrls),
      exif: Type.Optional(ExifSummary),
    }),
  ),
});
export type PublicShare = Static<typeof PublicShare>;
