import type { VariantPreset } from '../config.js';
import type { AlbumRecord } from '../images/albums.js';
import type { ImageRecord } from '../images/catalog.js';
import { imageResource } from '../images/resource.js';
import type { Album } from '../schemas/albums.js';
import type { MediaSigner } from '../media/signing.js';
import { outputSize } from '../processing/geometry.js';
import type { Image } from '../schemas/images.js';
import { canonicalVariantQuery, presetParams } from './variant-query.js';

/** Builds the image JSON: the record, its absolute URLs and a signed link for the original and every preset. */
export class ImagePresenter {
  constructor(
    private readonly publicUrl: string,
    private readonly signer: MediaSigner,
    private readonly presets: readonly VariantPreset[],
  ) {}

  /** A signed link to the image's bytes, or to one variant of them. */
  private link(image: ImageRecord, variant: string): { url: string; exp: number } {
    const { exp, sig } = this.signer.sign({
      userId: image.userId,
      number: image.number,
      sha256: image.sha256,
      variant,
      linkKey: image.linkKey,
    });
    const query = variant === '' ? '' : `${variant}&`;
    return { url: `${this.publicUrl}/media/${image.userId}/${image.number}?${query}exp=${exp}&sig=${sig}`, exp };
  }

  present(image: ImageRecord): Image {
    const original = this.link(image, '');
    const variants: Record<string, string> = {};
    const widths = new Map<number, string>();
    for (const preset of this.presets) {
      const url = this.link(image, canonicalVariantQuery(presetParams(preset))).url;
      variants[preset.name] = url;
      // srcset candidates: presets that scale by width alone, at the width they really produce.
      if (preset.width !== undefined && preset.height === undefined) {
        const { width } = outputSize(image, { width: preset.width, height: null }, preset.fit, false);
        if (!widths.has(width)) widths.set(width, url);
      }
    }
    const { id, filename, content_type, ...rest } = imageResource(image);
    return {
      id,
      url: original.url,
      url_expires_at: new Date(original.exp * 1000).toISOString(),
      content_url: `${this.publicUrl}/images/${image.number}/content`,
      filename,
      content_type,
      ...rest,
      variants,
      srcset: [...widths.entries()]
        .sort(([a], [b]) => a - b)
        .map(([width, url]) => `${url} ${width}w`)
        .join(', '),
    };
  }

  /** The album JSON; its cover is a signed link to the first image's thumbnail (the first preset), or its original. */
  presentAlbum(album: AlbumRecord): Album {
    const thumb = this.presets[0];
    const cover = album.cover && this.link(album.cover, thumb ? canonicalVariantQuery(presetParams(thumb)) : '').url;
    return {
      id: album.number,
      title: album.title,
      description: album.description,
      image_count: album.imageCount,
      cover,
      created_at: album.createdAt,
      updated_at: album.updatedAt,
    };
  }

  /** Absolute URL of the next page of a list: the same query, with the next cursor. */
  nextPageUrl(path: string, query: Record<string, unknown>, cursor: string): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (name === 'cursor' || value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
    }
    params.set('cursor', cursor);
    return `${this.publicUrl}${path}?${params.toString()}`;
  }
}
