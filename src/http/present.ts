import type { VariantPreset } from '../config.js';
import type { ImageRecord, ListOrder } from '../images/catalog.js';
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
    return {
      id: image.number,
      url: original.url,
      url_expires_at: new Date(original.exp * 1000).toISOString(),
      content_url: `${this.publicUrl}/images/${image.number}/content`,
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
      variants,
      srcset: [...widths.entries()]
        .sort(([a], [b]) => a - b)
        .map(([width, url]) => `${url} ${width}w`)
        .join(', '),
      created_at: image.createdAt,
      updated_at: image.updatedAt,
    };
  }

  /** Absolute URL of the next page of the list. */
  nextPageUrl(limit: number, cursor: string, order: ListOrder): string {
    const orderParam = order === 'oldest' ? '' : `&order=${order}`;
    return `${this.publicUrl}/images/?limit=${limit}${orderParam}&cursor=${encodeURIComponent(cursor)}`;
  }
}
