import { shareResource } from '../shares/resource.js';
import { createHash } from 'node:crypto';
import type { PresetBook } from './preset-book.js';
import { canonicalVariantQuery, type NamedPreset } from './variant-query.js';
import { FORMATS, type ImageFormat } from '../processing/formats.js';
import type { Share, PublicShare } from '../schemas/shares.js';
import type { ExifSummary } from '../schemas/images.js';
import type { SharedImage, ShareRecord } from '../shares/shares.js';

/** The format an immutable variant URL names: the preset's, or WebP where the preset negotiates. */
export function immutableFormat(preset: NamedPreset | null, image: Pick<SharedImage, 'format'>): ImageFormat {
  if (preset === null) return image.format;
  return preset.params.format === 'auto' ? 'webp' : preset.params.format;
}

/**
 * The hash prefix an immutable URL carries: another content (after a replace) is another URL, and so
 * is another definition of a user's preset (its expansion is hashed in).
 */
export function contentTag(image: Pick<SharedImage, 'sha256'>, preset: NamedPreset | null = null): string {
  if (!preset?.custom) return image.sha256.slice(0, 16);
  return createHash('sha256')
    .update(`${image.sha256}\n${canonicalVariantQuery(preset.params)}`)
    .digest('hex')
    .slice(0, 16);
}

/** The EXIF summary a share publishes: without the location unless the owner allowed that too. */
function publishedExif(exif: ExifSummary | null, withLocation: boolean): ExifSummary | null {
  if (!exif) return null;
  const { location, ...rest } = exif;
  const published = withLocation && location ? { ...rest, location } : rest;
  return Object.keys(published).length > 0 ? published : null;
}

function exifLine(exif: ExifSummary): string {
  const parts = [exif.camera, exif.lens, exif.exposure, exif.taken_at?.replace('T', ' ')].filter((part) => part !== undefined);
  if (exif.location) parts.push(`${exif.location.latitude.toFixed(5)}, ${exif.location.longitude.toFixed(5)}`);
  return parts.join(' · ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function figcaption(image: PublicShare['images'][number]): string {
  const lines = [
    image.title ? escapeHtml(image.title) : null,
    image.exif ? `<small>${escapeHtml(exifLine(image.exif))}</small>` : null,
    image.download ? `<a href="${escapeHtml(image.download)}" download>Download</a>` : null,
  ].filter((line) => line !== null);
  return lines.length > 0 ? `<figcaption>${lines.join('<br>')}</figcaption>` : '';
}

/** Public URLs of a share: `/s/<token>/<id>[/<preset>]` (stable) and the same with `/<hash>.<ext>` (immutable). */
export class SharePresenter {
  constructor(
    private readonly publicUrl: string,
    private readonly presetBook: PresetBook,
  ) {}

  /** The presets a share lets visitors fetch, from its owner's (the deployment's and their own; `stamp`: see PresetBook). */
  async allowedPresets(share: ShareRecord, stamp?: number): Promise<NamedPreset[]> {
    const presets = await this.presetBook.forUser(share.userId, stamp);
    return presets.filter((preset) => share.presets === null || share.presets.includes(preset.name));
  }

  private urls(token: string, image: SharedImage, preset: NamedPreset | null) {
    const name = preset?.name ?? 'original';
    const base = `${this.publicUrl}/s/${token}/${image.number}`;
    const stable = preset === null ? base : `${base}/${name}`;
    return { stable, immutable: `${base}/${name}/${contentTag(image, preset)}.${FORMATS[immutableFormat(preset, image)].extension}` };
  }

  /** What a visitor sees: the images with the URLs the share allows, nothing else of the owner's. */
  async publicShare(share: ShareRecord, token: string, title: string | null, images: SharedImage[]): Promise<PublicShare> {
    const presets = await this.allowedPresets(share);
    return {
      title,
      images: images.map((image) => {
        const entry: PublicShare['images'][number] = {
          id: image.number,
          title: image.title,
          width: image.width,
          height: image.height,
          placeholder: image.placeholder,
          dominant_color: image.dominantColor,
          original: share.allowOriginal ? this.urls(token, image, null) : null,
          download: share.allowDownload ? `${this.publicUrl}/s/${token}/${image.number}/download` : null,
          variants: Object.fromEntries(presets.map((preset) => [preset.name, this.urls(token, image, preset)])),
        };
        const exif = share.showExif ? publishedExif(image.exif, share.showLocation) : null;
        if (exif) entry.exif = exif;
        return entry;
      }),
    };
  }

  /** The owner's view of a share; `token` only when it was just made (its URL cannot be shown again). */
  async present(share: ShareRecord, token: string | null, first: SharedImage | null = null): Promise<Share> {
    const url = token === null ? null : `${this.publicUrl}/s/${token}`;
    const json: Share = { ...shareResource(share), url };
    if (token !== null && first !== null && url !== null) {
      const [entry] = (await this.publicShare(share, token, null, [first])).images;
      const src = entry?.original?.stable ?? Object.values(entry?.variants ?? {})[0]?.stable ?? url;
      const alt = escapeHtml(first.title ?? 'Shared image');
      json.embed = {
        html: `<a href="${url}"><img src="${src}" alt="${alt}" width="${first.width}" height="${first.height}" loading="lazy"></a>`,
        markdown: `[![${(first.title ?? 'Shared image').replace(/[[\]]/g, '')}](${src})](${url})`,
        bbcode: `[url=${url}][img]${src}[/img][/url]`,
      };
    }
    return json;
  }

  /** The public page: the images as a gallery, Open Graph tags for previews, no script. */
  page(content: PublicShare, token: string): string {
    const first = content.images[0];
    const preview = first ? (Object.values(first.variants)[0]?.stable ?? first.original?.stable) : undefined;
    const title = escapeHtml(content.title ?? first?.title ?? 'Shared image');
    const figures = content.images
      .map((image) => {
        const widths = Object.entries(image.variants).map(([, urls]) => urls.stable);
        const src = image.original?.stable ?? widths.at(-1) ?? '';
        return (
          `<figure><img src="${escapeHtml(src)}" width="${image.width}" height="${image.height}" alt="${escapeHtml(image.title ?? '')}" ` +
          `loading="lazy" style="background:${escapeHtml(image.dominant_color)}">` +
          figcaption(image) +
          `</figure>`
        );
      })
      .join('\n');
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta property="og:title" content="${title}">
<meta property="og:type" content="website">
<meta property="og:url" content="${escapeHtml(`${this.publicUrl}/s/${token}`)}">
${preview ? `<meta property="og:image" content="${escapeHtml(preview)}">` : ''}
<style>body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem;background:#f7f7f5;color:#1b1c1f}
figure{margin:0 0 1.5rem}img{max-width:100%;height:auto;display:block;border-radius:.5rem}figcaption{margin-top:.5rem}
@media (prefers-color-scheme:dark){body{background:#141518;color:#e9eaec}}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${figures}
</main>
</body>
</html>
`;
  }

  passwordPage(token: string, wrong: boolean): string {
    return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Password needed</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:30rem;padding:0 1rem}</style></head>
<body><main><h1>Password needed</h1>
${wrong ? '<p role="alert">That password is not right.</p>' : ''}
<form method="post" action="/s/${escapeHtml(token)}"><label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">View</button></form></main></body></html>
`;
  }
}
