/**
 * A typed client of the image-api REST API: openapi-fetch over the types generated from the server's
 * OpenAPI spec (client/schema.d.ts, `npm run build:client`). Used by the web app and the tests.
 *
 *   const api = imageApiClient({ baseUrl: 'http://127.0.0.1:8000', token: () => myToken });
 *   const { data: image } = await api.GET('/images/{id}/', { params: { path: { id: '1' } } });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { operations, paths } from './schema.js';

export type { operations, paths };

type JsonContent<T> = T extends { content: { 'application/json': infer J } } ? J : never;

/** The JSON an operation answers with, for one status. */
export type ResponseJson<O extends keyof operations, S extends keyof operations[O]['responses']> = JsonContent<
  operations[O]['responses'][S]
>;

/** The JSON body an operation takes. */
export type RequestJson<O extends keyof operations> = operations[O] extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

export type Image = ResponseJson<'getImage', 200>;
export type ExifSummary = NonNullable<Image['exif']>;
export type Me = ResponseJson<'getMe', 200>;
export type Token = ResponseJson<'obtainToken', 200>;
export type Key = ResponseJson<'getKey', 200>;
export type Webhook = ResponseJson<'getWebhook', 200>;
export type WebhookDelivery = ResponseJson<'listWebhookDeliveries', 200>[number];
export type NewKey = ResponseJson<'createKey', 201>;
export type Album = ResponseJson<'getAlbum', 200>;
export type Share = ResponseJson<'getShare', 200>;
export type NewShare = RequestJson<'createShare'>;
export type TagCount = ResponseJson<'listTags', 200>[number];
export type BulkRequest = RequestJson<'bulkImages'>;

export interface ClientOptions {
  /** Where the API is (the page's origin in a browser). */
  baseUrl: string;
  /** The API token to send, read at each request; null: none. */
  token?: () => string | null;
  /** Told when the server refused the token that was sent (401). */
  onUnauthorized?: () => void;
  /** Passed to every fetch (e.g. `cache: 'no-store'` in a browser). */
  init?: Omit<RequestInit, 'headers' | 'body' | 'method'>;
}

export type ImageApiClient = Client<paths>;

export function imageApiClient({ baseUrl, token, onUnauthorized, init }: ClientOptions): ImageApiClient {
  const client = createClient<paths>({ baseUrl, ...init, headers: { accept: 'application/json' } });
  client.use({
    onRequest({ request }) {
      const current = token?.();
      if (current) request.headers.set('authorization', `Token ${current}`);
      return request;
    },
    onResponse({ request, response }) {
      if (response.status === 401 && request.headers.has('authorization')) onUnauthorized?.();
      return response;
    },
  });
  return client;
}
