import type { VariantPreset } from '../config.js';
import type { AlbumRecord } from '../images/albums.js';
import type { ImageRecord } from '../images/catalog.js';
import { imageResource } from '../images/resource.js';
import { deepFreeze } from '../freeze.js';
import type { Album } from '../schemas/albums.js';
import type { MediaSigner } from '../media/signing.js';
import { outputSize } from '../processing/geometry.js';
import type { Image } from '../schemas/images.js';
import type { Edits } from '../processing/edits.js';
import type { PresetBook } from './preset-book.js';
import { canonicalVariantQuery, presetParams, type NamedPreset } from './variant-query.js';

/** What a user preset's link signature covers: its name and what it expands to now. */
export function customPresetVariant(name: string, canonical: string): string {
  return `preset=${name}&${canonical}`;
}

/** Edits that keep the resized width what outputSize says (no crop, quarter turn, trim or pad). */
function sameSize(edits: Edits): boolean {
  return edits.crop === null && (edits.rotate === 0 || edits.rotate === 180) && edits.trim === null && edits.pad === 0;
}

/** The signed part of an image JSON. */
interface ImageLinks {
  url: string;
  urlExpiresAt: string;
  variants: Record<string, string>;
  srcset: string;
}

/** How many images' signed links are kept per set of presets. */
const CACHED_LINKS = 10_000;

/** Builds the image JSON: the record, its absolute URLs and a signed link for the original and every preset. */
export class ImagePresenter {
  /** By the presets array (PresetBook hands out the same one while a user's presets are unchanged). */
  private readonly signedLinks = new WeakMap<readonly NamedPreset[], Map<string, ImageLinks>>();
  /** By the record: its JSON, for the presets and expiry bucket it was made with. */
  private readonly shown = new WeakMap<ImageRecord, { presets: readonly NamedPreset[]; exp: number; json: Image }>();

  constructor(
    private readonly publicUrl: string,
    private readonly signer: MediaSigner,
    private readonly presets: readonly VariantPreset[],
    private readonly presetBook: PresetBook,
  ) {}

  /**
   * The image JSON with its owner's presets looked up. The same record (ImageCatalog hands out one
   * frozen record while the image is unchanged), presets and expiry bucket give the same JSON: it is
   * kept with the record, frozen, and shared by the requests that read it.
   */
  async show(image: ImageRecord): Promise<Image> {
    const presets = await this.presetBook.forUser(image.userId, image.presetsStamp);
    const exp = this.signer.expiry();
    const known = this.shown.get(image);
    if (known?.presets === presets && known.exp === exp) return known.json;
    const json = this.present(image, presets);
    if (Object.isFrozen(image)) this.shown.set(image, { presets, exp, json: deepFreeze(json) });
    return json;
  }

  /** Images of one owner (a page of a list): their presets looked up once. */
  async showAll(images: readonly ImageRecord[]): Promise<Image[]> {
    const first = images[0];
    if (!first) return [];
    const presets = await this.presetBook.forUser(first.userId, first.presetsStamp);
    return images.map((image) => this.present(image, presets));
  }

  /**
   * A signed link to the image's bytes, or to one variant of them. The link carries `query`; the
   * signature covers `variant` (the same, except for a user's preset: its name and its expansion).
   */
  private link(image: ImageRecord, variant: string, query = variant, exp = this.signer.expiry()): string {
    const { sig } = this.signer.sign(
      { userId: image.userId, number: image.number, sha256: image.sha256, variant, linkKey: image.linkKey },
      exp,
    );
    const prefix = query === '' ? '' : `${query}&`;
    return `${this.publicUrl}/media/${image.userId}/${image.number}?${prefix}exp=${exp}&sig=${sig}`;
  }

  /** The link of one preset of an image. */
  private presetLink(image: ImageRecord, preset: NamedPreset, exp?: number): string {
    const canonical = canonicalVariantQuery(preset.params);
    return preset.custom
      ? this.link(image, customPresetVariant(preset.name, canonical), `preset=${preset.name}`, exp)
      : this.link(image, canonical, canonical, exp);
  }

  /**
   * The signed links of an image for a set of presets, reused while they would come out the same: a
   * link covers the owner, the image, its content, the owner's link key and the expiry (one per
   * bucket of MediaSigner), so that is the key. Five HMACs and the srcset per image JSON were 5% of
   * a metadata read.
   */
  private links(image: ImageRecord, presets: readonly NamedPreset[]): ImageLinks {
    const exp = this.signer.expiry();
    const key = `${image.userId}/${image.number}/${image.sha256}/${image.linkKey}/${exp}`;
    let byImage = this.signedLinks.get(presets);
    const cached = byImage?.get(key);
    if (cached) return cached;
    const variants: Record<string, string> = {};
    const widths = new Map<number, string>();
    for (const preset of presets) {
      const url = this.presetLink(image, preset, exp);
      variants[preset.name] = url;
      // srcset candidates: presets that scale by width alone, at the width they really produce.
      const { params } = preset;
      if (params.width !== null && params.height === null && params.dpr === 1 && sameSize(params.edits)) {
        const { width } = outputSize(image, { width: params.width, height: null }, params.fit, params.enlarge);
        if (!widths.has(width)) widths.set(width, url);
      }
    }
    const links: ImageLinks = {
      url: this.link(image, '', '', exp),
      urlExpiresAt: new Date(exp * 1000).toISOString(),
      variants,
      srcset: [...widths.entries()]
        .sort(([a], [b]) => a - b)
        .map(([width, url]) => `${url} ${width}w`)
        .join(', '),
    };
    if (!byImage) {
      byImage = new Map();
      this.signedLinks.set(presets, byImage);
    }
    if (byImage.size >= CACHED_LINKS) byImage.clear();
    byImage.set(key, links);
    return links;
  }

  /** The image JSON, with a link for every preset its owner has (`presets`: PresetBook.forUser of the owner). */
  present(image: ImageRecord, presets: readonly NamedPreset[]): Image {
    const links = this.links(image, presets);
    // Assigned onto the resource rather than spread from it: spreading the rest of a destructured object
    // takes V8's slow path, on every image JSON. The response schema orders the fields.
    return Object.assign(imageResource(image), {
      url: links.url,
      url_expires_at: links.urlExpiresAt,
      content_url: `${this.publicUrl}/images/${image.number}/content`,
      // A copy: the caller may change its image JSON, never the cached links.
      variants: { ...links.variants },
      srcset: links.srcset,
    });
  }

  /** The album JSON; its cover is a signed link to the first image's thumbnail (the first preset), or its original. */
  presentAlbum(album: AlbumRecord): Album {
    const thumb = this.presets[0];
    const cover = album.cover && this.link(album.cover, thumb ? canonicalVariantQuery(presetParams(thumb)) : '');
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
