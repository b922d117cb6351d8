import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from '../clock.js';
import { NotFound, Unauthenticated } from '../errors.js';
import { deliverImage, type ImageBytes } from '../http/deliver-image.js';
import { allowOnly } from '../http/errors.js';
import { contentTag, immutableFormat, type SharePresenter } from '../http/present-share.js';
import { parseId } from '../http/ids.js';
import type { LinkMemo } from '../http/link-memo.js';
import type { VariantParams } from '../http/variant-query.js';
import type { Deliverable } from '../http/deliver.js';
import type { StoredImage } from '../images/catalog.js';
import { FORMATS, type EncodableFormat } from '../processing/formats.js';
import { binaryResponse, errors, NoContent, PUBLIC } from '../schemas/common.js';
import { PublicShare } from '../schemas/shares.js';
import { UNLOCK_SECONDS, type OpenShare, type Shares } from '../shares/shares.js';

export interface PublicShareRoutesOptions extends ImageBytes {
  shares: Shares;
  presenter: SharePresenter;
  stableMaxAge: number;
  immutableMaxAge: number;
  secureCookies: boolean;
  clock: Clock;
  rateLimit: { max: number; timeWindow: number };
  /** Answers kept until the database changes (SQLite; shares without a password); null: every request is checked in full. */
  memo: LinkMemo | null;
}

const COOKIE = 'share_access';
const COOKIE_VALUE = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]*)`);

/** Share pages and their bytes, for whoever holds the link (and its password, when it has one). */
export const publicShareRoutes: FastifyPluginAsyncTypebox<PublicShareRoutesOptions> = async (app, options) => {
  const { shares, presenter, stableMaxAge, immutableMaxAge, secureCookies, clock, rateLimit, memo } = options;
  const common = { tags: ['shares'], security: PUBLIC };
  const TokenParams = Type.Object({ token: Type.String({ maxLength: 64 }) });

  /** The share, when the request may see it; a password share without its cookie or header: 401. */
  async function admit(request: FastifyRequest, token: string): Promise<OpenShare> {
    const open = await shares.open(token);
    const password = request.headers['x-share-password'];
    await shares.admit(open, {
      unlock: COOKIE_VALUE.exec(request.headers.cookie ?? '')?.[1],
      password: typeof password === 'string' ? password : undefined,
      address: request.ip,
    });
    return open;
  }

  const wantsHtml = (request: FastifyRequest) =>
    /text\/html/.test(request.headers.accept ?? '') && !/application\/json/.test(request.headers.accept ?? '');

  /** An HTML page (the share's, or its password form): outside the JSON response schema. */
  function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  function pageHeaders(reply: FastifyReply, indexable = false): void {
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    if (indexable) reply.removeHeader('x-robots-tag');
    else reply.header('x-robots-tag', 'noindex');
  }

  app.get(
    '/s/:token',
    {
      schema: {
        ...common,
        operationId: 'viewShare',
        summary: 'A share: an HTML page for browsers, JSON for `Accept: application/json`',
        description:
          'Counts one view. Unknown, revoked, expired and used-up shares are all the same 404. A password share answers ' +
          'browsers with a form and JSON clients with 401 unless X-Share-Password is sent.',
        params: TokenParams,
        response: { 200: PublicShare, ...errors(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      pageHeaders(reply);
      let open: OpenShare;
      try {
        open = await admit(request, token);
      } catch (error) {
        if (error instanceof Unauthenticated && wantsHtml(request)) return sendHtml(reply, 200, presenter.passwordPage(token, false));
        throw error;
      }
      pageHeaders(reply, open.share.indexable);
      if (!(await shares.view(open.share))) throw new NotFound();
      const content = await shares.content(open.share).catch((error: unknown) => {
        throw error instanceof NotFound ? new NotFound() : error;
      });
      const json = await presenter.publicShare(open.share, token, content.title, content.images);
      if (wantsHtml(request)) return sendHtml(reply, 200, presenter.page(json, token));
      return json;
    },
  );

  app.post(
    '/s/:token',
    {
      config: {
        rateLimit: {
          ...rateLimit,
          keyGenerator: (request: FastifyRequest) => `share:${request.ip}:${(request.params as { token: string }).token}`,
        },
      },
      schema: {
        ...common,
        operationId: 'unlockShare',
        summary: "Exchanges a share's password for a cookie that opens it for an hour (the page's form posts here)",
        description:
          'Wrong passwords are counted per address and per share (LOGIN_FAILURES_PER_USER, LOGIN_FAILURES_PER_ACCOUNT); past either: 429.',
        params: TokenParams,
        consumes: ['application/x-www-form-urlencoded'],
        body: Type.Object({ password: Type.String({ maxLength: 1000 }) }),
        response: { 303: NoContent, ...errors(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      const open = await shares.open(token);
      pageHeaders(reply);
      let unlock: string;
      try {
        unlock = await shares.unlock(open, request.body.password, request.ip);
      } catch (error) {
        if (error instanceof Unauthenticated) return sendHtml(reply, 401, presenter.passwordPage(token, true));
        throw error;
      }
      const cookie =
        `${COOKIE}=${unlock}; Path=/s/${token}; Max-Age=${UNLOCK_SECONDS}; ` +
        `HttpOnly; SameSite=Strict${secureCookies ? '; Secure' : ''}`;
      return reply.code(303).header('set-cookie', cookie).header('location', `/s/${token}`).send(null);
    },
  );
  allowOnly(app, '/s/:token', ['GET', 'HEAD', 'POST']);

  /**
   * Sends one image of the share: the original, an allowed preset, or the download (the original as
   * a file to save), stable or immutable.
   */
  async function sendShared(request: FastifyRequest, reply: FastifyReply, token: string, id: string, variant: string, file: string | null) {
    const epoch = memo?.begin() ?? 0;
    // A share never renders what its URLs do not name: no query parameters.
    if (request.url.includes('?')) throw new NotFound();
    const open = await admit(request, token);
    const { share } = open;
    const image: StoredImage = await shares.image(share, parseId(id));
    const download = variant === 'download';
    const preset =
      variant === 'original' || download
        ? null
        : ((await presenter.allowedPresets(share, image.presetsStamp)).find((candidate) => candidate.name === variant) ?? null);
    const allowed = download ? share.allowDownload && file === null : variant === 'original' ? share.allowOriginal : preset !== null;
    if (!allowed) throw new NotFound();
    let params: VariantParams | null = preset && preset.params;
    // A password share's bytes are for the browser that gave the password: no shared cache may keep them.
    const visibility = share.hasPassword ? 'private' : 'public';
    const expiresAt = share.expiresAt === null ? null : Date.parse(share.expiresAt);
    let cacheControl = (_now: number) => `${visibility}, max-age=${stableMaxAge}`;
    if (file !== null) {
      const format = immutableFormat(preset, image);
      if (file !== `${contentTag(image, preset)}.${FORMATS[format].extension}`) throw new NotFound();
      if (params) params = { ...params, format: format as EncodableFormat };
      cacheControl = (now) => {
        const untilExpiry = expiresAt === null ? immutableMaxAge : Math.floor((expiresAt - now) / 1000);
        return `${visibility}, max-age=${Math.max(0, Math.min(immutableMaxAge, untilExpiry))}, immutable`;
      };
    }
    // Share URLs are meant for other sites' pages.
    reply.header('cross-origin-resource-policy', 'cross-origin');
    // What a password share answers depends on the cookie or password sent: never remembered.
    const remember =
      memo && !share.hasPassword
        ? (item: Deliverable, withBody: boolean) =>
            memo.remember(request, reply, epoch, item, withBody, {
              clock,
              until: expiresAt ?? Number.POSITIVE_INFINITY,
              cacheControl,
            })
        : undefined;
    // A presigned URL would let the bytes of a password share be passed on without the password.
    return deliverImage(request, reply, options, image, params, cacheControl(clock()), {
      attachment: download,
      redirect: !share.hasPassword,
      remember,
    });
  }

  const byteResponses = { 200: binaryResponse, 206: binaryResponse, 304: NoContent, ...errors(401, 404, 416, 503) };
  for (const [method, suffix] of [
    ['GET', ''],
    ['HEAD', 'Head'],
  ] as const) {
    app.route({
      method,
      exposeHeadRoute: false,
      url: '/s/:token/:id',
      onRequest: memo?.onRequest,
      schema: {
        ...common,
        operationId: `getSharedOriginal${suffix}`,
        summary: "A shared image's original, always its current content (stable)",
        params: Type.Object({ token: Type.String({ maxLength: 64 }), id: Type.String() }),
        response: byteResponses,
      },
      handler: (request, reply) => sendShared(request, reply, request.params.token, request.params.id, 'original', null),
    });
    app.route({
      method,
      exposeHeadRoute: false,
      url: '/s/:token/:id/:variant',
      onRequest: memo?.onRequest,
      schema: {
        ...common,
        operationId: `getSharedVariant${suffix}`,
        summary:
          "A shared image's original (`original`), its download (`download`, where the share allows it) or an allowed preset, " +
          'always the current content (stable)',
        description: 'Cache-Control: public, max-age=PUBLIC_STABLE_MAX_AGE; ETag; Vary: Accept where the preset negotiates.',
        params: Type.Object({ token: Type.String({ maxLength: 64 }), id: Type.String(), variant: Type.String({ maxLength: 32 }) }),
        response: byteResponses,
      },
      handler: (request, reply) => sendShared(request, reply, request.params.token, request.params.id, request.params.variant, null),
    });
    app.route({
      method,
      exposeHeadRoute: false,
      url: '/s/:token/:id/:variant/:file',
      onRequest: memo?.onRequest,
      schema: {
        ...common,
        operationId: `getSharedImmutable${suffix}`,
        summary: 'This content of a shared image, as `<hash prefix>.<ext>` (immutable; 404 once the image is replaced)',
        description: 'Cache-Control: public, max-age=PUBLIC_IMMUTABLE_MAX_AGE (at most until the share expires), immutable.',
        params: Type.Object({
          token: Type.String({ maxLength: 64 }),
          id: Type.String(),
          variant: Type.String({ maxLength: 32 }),
          file: Type.String({ maxLength: 40 }),
        }),
        response: byteResponses,
      },
      handler: (request, reply) =>
        sendShared(request, reply, request.params.token, request.params.id, request.params.variant, request.params.file),
    });
  }
  allowOnly(app, '/s/:token/:id', ['GET', 'HEAD']);
  allowOnly(app, '/s/:token/:id/:variant', ['GET', 'HEAD']);
  allowOnly(app, '/s/:token/:id/:variant/:file', ['GET', 'HEAD']);
};
