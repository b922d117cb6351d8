import type { AttemptCounter } from '../auth/attempts.js';
import { InvalidInput, Throttled, TooLarge } from '../errors.js';
import { OutboundError, type OutboundClient } from '../net/outbound.js';
import type { Ingest, StagedUpload } from './ingest.js';

export interface UrlImportOptions {
  maxBytes: number;
  perUserPerHour: number;
  /** Counts each user's fetches in the current hour (shared through Redis when there is one). */
  counter: AttemptCounter;
}

/** The file name a URL suggests: its last path segment, if it has one. */
function nameFromUrl(url: URL): string | undefined {
  const segment = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment) || undefined;
  } catch {
    return segment || undefined;
  }
}

function urlError(message: string): InvalidInput {
  return new InvalidInput({ url: [message] });
}

/**
 * Imports an image from a URL: fetched through the guarded outbound client, then the same ingest as
 * an upload. Every refusal is a 400 under `url`; nothing of the remote answer is echoed.
 */
export class UrlImport {
  constructor(
    private readonly client: OutboundClient,
    private readonly ingest: Ingest,
    private readonly options: UrlImportOptions,
  ) {}

  async stage(owner: number, text: string, filename: string | undefined): Promise<StagedUpload> {
    const { counter, perUserPerHour, maxBytes } = this.options;
    const key = String(owner);
    const used = await counter.get(key);
    if (used.count >= perUserPerHour) {
      throw new Throttled(`Too many imports from URLs: at most ${perUserPerHour} an hour.`, Math.max(1, Math.ceil(used.resetMs / 1000)));
    }
    await counter.hit(key);
    let response;
    try {
      response = await this.client.get(text, { accept: 'image/*' });
    } catch (error) {
      if (error instanceof OutboundError) throw urlError(error.message);
      throw error;
    }
    const { status, headers, body, url } = response;
    if (status < 200 || status > 299) {
      body.destroy();
      throw urlError(`The server answered ${status}; expected 200.`);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      body.destroy();
      throw urlError(`The file at this address is larger than the limit of ${maxBytes} bytes.`);
    }
    try {
      return await this.ingest.stage(body, filename ?? nameFromUrl(url), owner, maxBytes);
    } catch (error) {
      body.destroy();
      if (error instanceof TooLarge) throw urlError(`The file at this address is larger than the limit of ${maxBytes} bytes.`);
      if (error instanceof InvalidInput && error.fields.image) throw new InvalidInput({ url: error.fields.image });
      if (error instanceof OutboundError) throw urlError(error.message);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
        throw urlError('The server closed the connection before the whole file arrived.');
      }
      throw error;
    }
  }
}
