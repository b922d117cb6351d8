import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DerivedResults } from '../db/database.js';
import type { HotObjects } from '../storage/hot-objects.js';
import type { Deliverable } from './deliver.js';

/** The headers an answer repeats: those of the bytes and of the link; never a request's own (its id, CORS, the caching). */
const REPEATED = [
  'content-type',
  'x-content-type-options',
  'content-disposition',
  'content-security-policy',
  'last-modified',
  'accept-ranges',
  'etag',
  'vary',
  'content-length',
  'cross-origin-resource-policy',
  'x-accel-redirect',
] as const;

/** How long a remembered answer stands, and the caching it is sent with. */
export interface AnswerTerms {
  /** The clock the route reads time from (milliseconds since the epoch). */
  clock: () => number;
  /** From this time on the answer is worked out in full again: the link expires, or a use must be recorded. */
  until: number;
  /** The Cache-Control sent at a time (a max-age that ends with the link). */
  cacheControl: (now: number) => string;
}

interface RememberedAnswer extends AnswerTerms {
  headers: Readonly<Record<string, string>>;
  /** The stored object that is the body, sent from memory (HotObjects); null: no body (nginx sends the file). */
  body: { key: string; digest: string } | null;
}

/**
 * Answers to links (signed links, and the byte URLs of shares without a password), kept while the
 * database has not changed: a second request for the same link (same URL, same Accept) is answered
 * with the same headers and bytes, without checking the signature or the share again or reading the
 * image, its variant and its owner. What the first answer depended on is all in the database, the
 * URL or the time, so the answers are kept in the read cache (see ReadCache) and dropped with it at
 * any commit, by any process: a revoked link or share, a disabled owner, a replaced, trashed or
 * deleted image stop working exactly when they would without it; and an answer stands only until
 * its link expires. Only plain GETs are answered here; HEAD, Range and conditional requests take
 * the full path. An answer whose bytes have left memory takes the full path too, which reads them
 * again and remembers the answer again.
 */
export class LinkMemo {
  constructor(
    private readonly answers: DerivedResults<RememberedAnswer>,
    private readonly hot: HotObjects,
    private readonly onAnswer: () => void = () => undefined,
  ) {}

  private static key(request: FastifyRequest): string | null {
    const { headers } = request;
    if (
      request.method !== 'GET' ||
      headers.range !== undefined ||
      headers['if-none-match'] !== undefined ||
      headers['if-range'] !== undefined
    ) {
      return null;
    }
    return `${request.url}\n${headers.accept ?? ''}`;
  }

  /**
   * The routes' first hook, before their parameters are validated: a remembered answer is for this
   * exact URL, which passed every check.
   */
  readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (!this.answer(request, reply)) done();
  };

  /** Sends the remembered answer to this exact request, when there is one; false: the route must answer. */
  answer(request: FastifyRequest, reply: FastifyReply): boolean {
    const key = LinkMemo.key(request);
    const answer = key === null ? undefined : this.answers.get(key);
    if (!answer) return false;
    const now = answer.clock();
    if (now >= answer.until) return false;
    const body = answer.body && this.hot.peek(answer.body.key, answer.body.digest);
    if (answer.body && !body) return false;
    reply.headers(answer.headers).header('cache-control', answer.cacheControl(now));
    void reply.send(body ?? undefined);
    this.onAnswer();
    return true;
  }

  /** Called before the route reads what its answer depends on: the value to give `remember`. */
  begin(): number {
    return this.answers.epoch();
  }

  /**
   * Keeps the answer the route is sending (its headers set, a 200 of the whole stored item), unless
   * the database changed since `begin`.
   */
  remember(request: FastifyRequest, reply: FastifyReply, epoch: number, item: Deliverable, withBody: boolean, terms: AnswerTerms): void {
    const key = LinkMemo.key(request);
    if (key === null || reply.statusCode !== 200 || item.storageKey === undefined) return;
    const headers: Record<string, string> = {};
    for (const name of REPEATED) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const body = withBody ? { key: item.storageKey, digest: item.digest } : null;
    const until = Math.min(terms.until, item.recheckAt ?? Number.POSITIVE_INFINITY);
    this.answers.set(key, Object.freeze({ ...terms, until, headers: Object.freeze(headers), body }), epoch);
  }
}
