import type { ImageRecord } from '../images/service.js';
import type { MediaSigner } from '../media/signing.js';

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
  created_at: string;
  updated_at: string;
}

export function mediaPath(image: Pick<ImageRecord, 'userId' | 'number'>): string {
  return `/media/${image.userId}/${image.number}`;
}

export class ImagePresenter {
  constructor(
    private readonly publicUrl: string,
    private readonly signer: MediaSigner,
  ) {}

  present(image: ImageRecord): ImageJson {
    const { exp, sig } = this.signer.sign(image);
    return {
      id: image.number,
      url: `${this.publicUrl}${mediaPath(image)}?exp=${exp}&sig=${sig}`,
      url_expires_at: new Date(exp * 1000).toISOString(),
      content_url: `${this.publicUrl}/images/${image.number}/content`,
      filename: image.filename,
      content_type: image.contentType,
      format: image.format,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      sha256: image.sha256,
      created_at: image.createdAt,
      updated_at: image.updatedAt,
    };
  }

  /** Absolute URL of the next page of the list. */
  nextPageUrl(limit: number, cursor: string): string {
    return `${this.publicUrl}/images/?limit=${limit}&cursor=${encodeURIComponent(cursor)}`;
  }
}
