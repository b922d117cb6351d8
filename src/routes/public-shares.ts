import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from 'typebox';
import type { Clock } from '../clock.js';
import type { VariantPreset } from '../config.js';
import { NotFound, Unauthenticated } from '../errors.js';
import { deliverImage, type ImageBytes } from '../http/deliver-image.js';
import { allowOnly } from '../http/errors.js';
import { contentTag, immutableFormat, type SharePresenter } from '../http/present-share.js';
import { parseId } from '../http/ids.js';
import { presetParams, type VariantParams } from '../http/variant-query.js';
import type { ImageRecord } from '../images/catalog.js';
import { FORMATS, type EncodableFormat } from '../processing/formats.js';
import { binaryResponse, errors, NoContent, PUBLIC } from '../schemas/common.js';
import { PublicShare } from '../schemas/shares.js';
import type { OpenShare, Shares } from '../shares/shares.js';

export interface PublicShareRoutesOptions extends ImageBytes {
  shares: Shares;
  presenter: SharePresenter;
  presets: readonly VariantPreset[];
  /** Signs the cookie a share's password is exchanged for. */
  secret: string;
  stableMaxAge: number;
  immutableMaxAge: number;
  secureCookies: boolean;
  clock: Clock;
  rateLimit: { max: number; timeWindow: number };
}

const COOKIE = 'share_access';
const UNLOCK_SECONDS = 3600;

function cookieMac(secret: string, tokenHash: string, expires: number): string {
  return createHmac('sha256', secret).update(`share:${tokenHash}:${expires}`).digest('base64url');
}

/** Share pages and their bytes, for whoever holds the link (and its password, when it has one). */
export const publicShareRoutes: FastifyPluginAsyncTypebox<PublicShareRoutesOptions> = async (app, options) => {
  const { shares, presenter, presets, secret, stableMaxAge, immutableMaxAge, secureCookies, clock, rateLimit } = options;
  const common = { tags: ['shares'], security: PUBLIC };
  const TokenParams = Type.Object({ token: Type.String({ maxLength: 64 }) });

  function unlocked(request: FastifyRequest, open: OpenShare): boolean {
    if (!open.share.hasPassword) return true;
    const cookie = /(?:^|;\s*)share_access=(\d{1,12})\.([A-Za-z0-9_-]{43})/.exec(request.headers.cookie ?? '');
    if (!cookie) return false;
    const expires = Number(cookie[1]);
    if (expires * 1000 < clock()) return false;
    const expected = Buffer.from(cookieMac(secret, open.tokenHash, expires));
    const given = Buffer.from(cookie[2]!);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The share, when the request may see it; a password share without its cookie or header: 401. */
  async function admit(request: FastifyRequest, token: string): Promise<OpenShare> {
    const open = await shares.open(token);
    if (unlocked(request, open)) return open;
    const password = request.headers['x-share-password'];
    if (typeof password === 'string' && (await shares.checkPassword(open, password))) return open;
    throw new Unauthenticated('This share needs its password: send it in X-Share-Password, or open the link in a browser.');
  }

  const wantsHtml = (request: FastifyRequest) =>
    /text\/html/.test(request.headers.accept ?? '') && !/application\/json/.test(request.headers.accept ?? '');

  /** An HTML page (the share's, or its password form): outside the JSON response schema. */
  function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  function pageHeaders(reply: FastifyReply): void {
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-robots-tag', 'noindex');
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
        response: { 200: PublicShare, ...errors(401, 404) },
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
      if (!(await shares.view(open.share))) throw new NotFound();
      const images = await shares.images(open.share).catch((error: unknown) => {
        throw error instanceof NotFound ? new NotFound() : error;
      });
      const title = open.share.album !== null ? await shares.albumTitle(open.share) : (images[0]?.title ?? null);
      const content = presenter.publicShare(open.share, token, title, images);
      if (wantsHtml(request)) return sendHtml(reply, 200, presenter.page(content, token));
      return content;
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
        summary: "Give a share's password (form field `password`): sets a cookie for this share, then back to its page",
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
      if (!open.share.hasPassword || !(await shares.checkPassword(open, request.body.password))) {
        return sendHtml(reply, 401, presenter.passwordPage(token, true));
      }
      const expires = Math.floor(clock() / 1000) + UNLOCK_SECONDS;
      const cookie =
        `${COOKIE}=${expires}.${cookieMac(secret, open.tokenHash, expires)}; Path=/s/${token}; Max-Age=${UNLOCK_SECONDS}; ` +
        `HttpOnly; SameSite=Strict${secureCookies ? '; Secure' : ''}`;
      return reply.code(303).header('set-cookie', cookie).header('location', `/s/${token}`).send(null);
    },
  );
  allowOnly(app, '/s/:token', ['GET', 'HEAD', 'POST']);

  /** Sends one image of the share: the original or an allowed preset, stable or immutable. */
  async function sendShared(request: FastifyRequest, reply: FastifyReply, token: string, id: string, variant: string, file: string | null) {
    // A share never renders what its URLs do not name: no query parameters.
    if (request.url.includes('?')) throw new NotFound();
    const open = await admit(request, token);
    const image: ImageRecord = await shares.image(open.share, parseId(id));
    const preset = variant === 'original' ? null : (presets.find((candidate) => candidate.name === variant) ?? null);
    if (variant === 'original' ? !open.share.allowOriginal : !preset || !presenter.allowedPresets(open.share).includes(preset))
      throw new NotFound();
    let params: VariantParams | null = preset && presetParams(preset);
    let cacheControl = `public, max-age=${stableMaxAge}`;
    if (file !== null) {
      const format = immutableFormat(preset, image);
      if (file !== `${contentTag(image)}.${FORMATS[format].extension}`) throw new NotFound();
      if (params) params = { ...params, format: format as EncodableFormat };
      const untilExpiry = open.share.expiresAt === null ? immutableMaxAge : Math.floor((Date.parse(open.share.expiresAt) - clock()) / 1000);
      cacheControl = `public, max-age=${Math.max(0, Math.min(immutableMaxAge, untilExpiry))}, immutable`;
    }
    // Share URLs are meant for other sites' pages.
    reply.header('cross-origin-resource-policy', 'cross-origin');
    return deliverImage(request, reply, options, image, params, cacheControl);
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
      schema: {
        ...common,
        operationId: `getSharedVariant${suffix}`,
        summary: "A shared image's original (`original`) or an allowed preset, always the current content (stable)",
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
