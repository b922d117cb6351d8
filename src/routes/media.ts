import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LinkInvalid, NotFound } from '../errors.js';
import { deliverImage, type ImageBytes } from '../http/deliver-image.js';
import { allowOnly } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import type { LinkMemo } from '../http/link-memo.js';
import type { PresetBook } from '../http/preset-book.js';
import { customPresetVariant } from '../http/present.js';
import { canonicalVariantQuery, givesVariantParameters, variantParamsFromQuery, type VariantParams } from '../http/variant-query.js';
import type { ImageCatalog } from '../images/catalog.js';
import type { MediaSigner } from '../media/signing.js';
import { binaryResponse, errors, NoContent, PUBLIC } from '../schemas/common.js';
import { MediaParams, MediaQuery } from '../schemas/images.js';

export interface MediaRoutesOptions extends ImageBytes {
  catalog: ImageCatalog;
  signer: MediaSigner;
  presetBook: PresetBook;
  /** Answers kept until the database changes (SQLite); null: every request is checked in full. */
  memo: LinkMemo | null;
}

/** Signed, expiring links: the bytes of one image as it is now, for whoever holds the link. */
export const mediaRoutes: FastifyPluginAsyncTypebox<MediaRoutesOptions> = async (app, options) => {
  const { catalog, signer, presetBook, memo } = options;
  // HEAD is declared, not derived, so that it keeps the real Content-Length; it is its own operation in the spec.
  for (const [method, operationId] of [
    ['GET', 'getSignedMedia'],
    ['HEAD', 'headSignedMedia'],
  ] as const) {
    app.route({
      method,
      exposeHeadRoute: false,
      url: '/media/:userId/:id',
      schema: {
        tags: ['media'],
        security: PUBLIC,
        operationId,
        summary: 'Image bytes through a signed link (the `url` and `variants` of an image)',
        description:
          'No credentials: the signature is the credential, and it covers the exact variant parameters. Supports ' +
          'HEAD, Range and If-None-Match.',
        params: MediaParams,
        querystring: MediaQuery,
        response: { 200: binaryResponse, 206: binaryResponse, 304: NoContent, ...errors(403, 416, 503) },
      },
      onRequest: memo?.onRequest,
      handler: async (request, reply) => {
        const epoch = memo?.begin() ?? 0;
        const { exp, sig } = request.query;
        if (exp === undefined || sig === undefined || !/^\d{1,12}$/.test(exp)) throw new LinkInvalid();
        const userId = parseId(request.params.userId);
        const number = parseId(request.params.id);
        const image = await catalog.stored(userId, number, { live: true }).catch((error: unknown) => {
          // An unknown image and a bad signature must look alike, or links could probe for images.
          throw error instanceof NotFound ? new LinkInvalid() : error;
        });
        // A disabled owner's images are served through no link.
        if (image.ownerDisabled) throw new LinkInvalid();
        const expiresAt = Number(exp);
        // A link names a user's preset, or carries explicit parameters; the signature covers the expansion either way.
        const { preset: name } = request.query;
        let params: VariantParams | null;
        let variant: string;
        if (name === undefined) {
          params = variantParamsFromQuery(request.query, []);
          variant = params ? canonicalVariantQuery(params) : '';
        } else {
          const preset = (await presetBook.forUser(userId, image.presetsStamp)).find(
            (candidate) => candidate.custom && candidate.name === name,
          );
          // A preset deleted or renamed since: the link has nothing left to verify against.
          if (!preset) throw new LinkInvalid();
          // Parameters beside the name would change what the link gives: not a link that was handed out.
          if (givesVariantParameters(request.query)) throw new LinkInvalid();
          params = preset.params;
          variant = customPresetVariant(name, canonicalVariantQuery(preset.params));
        }
        const ref = { userId, number, sha256: image.sha256, variant, linkKey: image.linkKey };
        if (!signer.verify(ref, expiresAt, sig)) throw new LinkInvalid();
        const maxAge = Math.max(0, expiresAt - Math.floor(Date.now() / 1000));
        // A signed link is a capability meant for other sites' pages (<img src> on a blog); the API and
        // the web app keep the stricter same-site policy.
        reply.header('cross-origin-resource-policy', 'cross-origin');
        return deliverImage(request, reply, options, image, params, `private, max-age=${maxAge}`, {
          remember: memo
            ? (item, withBody) =>
                memo.remember(request, reply, epoch, item, withBody, {
                  clock: Date.now,
                  // The link works through the second `exp` (see MediaSigner.verify).
                  until: (expiresAt + 1) * 1000,
                  cacheControl: (now) => `private, max-age=${Math.max(0, expiresAt - Math.floor(now / 1000))}`,
                })
            : undefined,
        });
      },
    });
  }
  allowOnly(app, '/media/:userId/:id', ['GET', 'HEAD']);
};
