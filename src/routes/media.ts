import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { deliverImage } from '../http/deliver-image.js';
import { variantFromQuery, variantQueryString, type VariantQuery } from '../images/variants.js';
import { allowOnly } from '../http/errors.js';
import type { ImageService } from '../images/service.js';
import type { MediaSigner } from '../media/signing.js';
import { parseImageId } from '../http/ids.js';
import { binaryResponse, errorSchema, variantQueryProperties } from './schemas.js';

export interface MediaRoutesOptions {
  images: ImageService;
  signer: MediaSigner;
}

type MediaRequest = FastifyRequest<{ Params: { userId: string; id: string }; Querystring: VariantQuery & { exp?: string; sig?: string } }>;

const forbidden = () => new ApiError(403, { detail: 'This link is invalid or has expired.' });

/** Signed, expiring links: the bytes of one image as it is now, for whoever holds the link. */
export async function mediaRoutes(app: FastifyInstance, { images, signer }: MediaRoutesOptions): Promise<void> {
  app.route({
    // HEAD is declared, not derived, so that it keeps the real Content-Length.
    method: ['GET', 'HEAD'],
    url: '/media/:userId/:id',
    schema: {
      tags: ['images'],
      summary: 'Image bytes through a signed link (the `url` and `variants` of an image)',
      description:
        'No credentials: the signature is the credential, and it covers the exact variant parameters. Supports HEAD, Range and If-None-Match.',
      params: { type: 'object', properties: { userId: { type: 'string' }, id: { type: 'string' } }, required: ['userId', 'id'] },
      querystring: {
        type: 'object',
        properties: { ...variantQueryProperties, exp: { type: 'string', maxLength: 20 }, sig: { type: 'string', maxLength: 100 } },
      },
      response: { 200: binaryResponse, 206: binaryResponse, 304: { type: 'null' }, 403: errorSchema, 404: errorSchema },
    },
    handler: async (request: MediaRequest, reply) => {
      const { exp, sig } = request.query;
      if (exp === undefined || sig === undefined || !/^\d{1,12}$/.test(exp)) throw forbidden();
      const userId = parseImageId(request.params.userId);
      const number = parseImageId(request.params.id);
      const image = await images.get(userId, number).catch((error: unknown) => {
        // An unknown image and a bad signature must look alike, or links could probe for images.
        if (error instanceof ApiError && error.statusCode === 404) throw forbidden();
        throw error;
      });
      const expiresAt = Number(exp);
      // Presets are for the owner path: a link carries explicit parameters, which its signature covers.
      if (request.query.preset !== undefined) throw forbidden();
      const variant = variantFromQuery(request.query, []);
      const ref = { userId, number, sha256: image.sha256, variant: variant ? variantQueryString(variant) : '' };
      if (!signer.verify(ref, expiresAt, sig)) throw forbidden();
      const maxAge = Math.max(0, expiresAt - Math.floor(Date.now() / 1000));
      return deliverImage(request, reply, images, image, variant, `private, max-age=${maxAge}`);
    },
  });
  allowOnly(app, '/media/:userId/:id', ['GET', 'HEAD']);
}
