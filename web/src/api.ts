// The public API, through the typed client generated from the OpenAPI spec (client/): token header,
// JSON bodies, DRF-shaped errors.
import {
  imageApiClient,
  type Album,
  type BulkRequest,
  type Image,
  type Key,
  type Me,
  type NewKey,
  type NewShare,
  type Share,
  type operations,
  type TagCount,
  type Webhook,
  type WebhookDelivery,
} from '../../client/index.js';
import type { Scope } from '../../src/auth/scopes.js';
import { clearToken, getToken } from './session.js';

export type { Album, BulkRequest, Image, Key, Me, NewKey, NewShare, Share, TagCount, Webhook, WebhookDelivery };

export type ListQuery = NonNullable<operations['listImages']['parameters']['query']>;

export interface ImagePage {
  images: Image[];
  /** The query of the next page, when there is one. */
  next: ListQuery | null;
}

type ErrorBody = Record<string, unknown>;

/** A refused request, with the server's reasons by field (`detail` and `non_field_errors` are general). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly fields: Record<string, string[]>,
    /** Seconds the server asked to wait (`Retry-After` of a 503 or 429), when it said. */
    readonly retryAfter: number | null = null,
  ) {
    super(Object.values(fields).flat().join(' ') || `The server answered ${status}.`);
  }

  static fromBody(status: number, body: unknown, retryAfter: string | null = null): ApiError {
    const fields: Record<string, string[]> = {};
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [name, value] of Object.entries(body as ErrorBody)) {
        if (typeof value === 'string' && (name === 'detail' || name === 'non_field_errors')) fields[name] = [value];
        else if (Array.isArray(value)) fields[name] = value.filter((item): item is string => typeof item === 'string');
      }
    }
    if (Object.keys(fields).length === 0)
      fields.detail = [status === 0 ? 'The server could not be reached.' : `The server answered ${status}.`];
    const seconds = retryAfter !== null && /^\d{1,4}$/.test(retryAfter) ? Number(retryAfter) : null;
    return new ApiError(status, fields, seconds);
  }

  /** Messages that belong to no form field the caller shows. */
  general(shownFields: string[] = []): string {
    return Object.entries(this.fields)
      .filter(([name]) => !shownFields.includes(name))
      .flatMap(([, messages]) => messages)
      .join(' ');
  }
}

/** Raised (and the token dropped) when the server no longer accepts the token. */
export const SESSION_ENDED = 'image-api:session-ended';

function parse(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

function checkSession(status: number, withToken: boolean): void {
  if (status === 401 && withToken) {
    clearToken();
    window.dispatchEvent(new Event(SESSION_ENDED));
  }
}

const client = imageApiClient({
  baseUrl: location.origin,
  token: getToken,
  onUnauthorized: () => checkSession(401, true),
  init: { cache: 'no-store' },
});

/** The data of a successful answer; a refusal (or no answer) as an ApiError. */
async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T; response: Response }> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw ApiError.fromBody(0, null);
  }
  if (!result.response.ok) throw ApiError.fromBody(result.response.status, result.error, result.response.headers.get('retry-after'));
  return { data: result.data as T, response: result.response };
}

const NUMERIC = new Set(['limit', 'album', 'min_width', 'min_height']);

/** The query of a Link rel="next" URL (the API builds absolute URLs from its public address), every filter kept. */
function nextQuery(link: string | null): ListQuery | null {
  const match = link ? /<([^>]+)>\s*;\s*rel="next"/.exec(link) : null;
  if (!match) return null;
  const params = new URL(match[1]!, location.href).searchParams;
  const query: Record<string, unknown> = {};
  for (const name of new Set(params.keys())) {
    const value = params.get(name)!;
    query[name] = name === 'tag' ? params.getAll(name) : NUMERIC.has(name) ? Number(value) : name === 'animated' ? value === 'true' : value;
  }
  return query as ListQuery;
}

const byId = (id: number) => ({ params: { path: { id: String(id) } } });

export const api = {
  register: (username: string, password: string, email: string) =>
    ok(client.POST('/register/', { body: email ? { username, password, email } : { username, password } })).then((r) => r.data.token),
  signIn: (username: string, password: string) =>
    ok(client.POST('/api-token-auth/', { body: { username, password } })).then((r) => r.data.token),
  regenerateToken: () => ok(client.GET('/regenerateToken/')).then((r) => r.data.token),
  changePassword: (oldPassword: string, newPassword: string) =>
    ok(client.POST('/me/password/', { body: { old_password: oldPassword, new_password: newPassword } })).then((r) => r.data.token),
  me: () => ok(client.GET('/me/')).then((r) => r.data),
  image: (id: number) => ok(client.GET('/images/{id}/', byId(id))).then((r) => r.data),
  deleteImage: (id: number) => ok(client.DELETE('/images/{id}/', byId(id))).then(() => undefined),
  keys: () => ok(client.GET('/keys/')).then((r) => r.data),
  createKey: (name: string, scopes: Scope[], expiresAt: string | null) =>
    ok(client.POST('/keys/', { body: { name, scopes, expires_at: expiresAt } })).then((r) => r.data),
  revokeKey: (id: number) => ok(client.DELETE('/keys/{id}/', byId(id))).then(() => undefined),
  webhooks: () => ok(client.GET('/webhooks/')).then((r) => r.data),
  createWebhook: (body: { url: string; events: Webhook['events']; description?: string | null }) =>
    ok(client.POST('/webhooks/', { body })).then((r) => r.data),
  updateWebhook: (id: number, body: { active?: boolean; events?: Webhook['events'] }) =>
    ok(client.PATCH('/webhooks/{id}/', { ...byId(id), body })).then((r) => r.data),
  deleteWebhook: (id: number) => ok(client.DELETE('/webhooks/{id}/', byId(id))).then(() => undefined),
  pingWebhook: (id: number) => ok(client.POST('/webhooks/{id}/test', byId(id))).then((r) => r.data),
  webhookDeliveries: (id: number) => ok(client.GET('/webhooks/{id}/deliveries/', byId(id))).then((r) => r.data),
  redeliver: (id: number, deliveryId: number) =>
    ok(
      client.POST('/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
        params: { path: { id: String(id), deliveryId: String(deliveryId) } },
      }),
    ).then((r) => r.data),
  async images(query: ListQuery): Promise<ImagePage> {
    const { data, response } = await ok(client.GET('/images/', { params: { query } }));
    return { images: data, next: nextQuery(response.headers.get('link')) };
  },
  async trash(): Promise<Image[]> {
    const images: Image[] = [];
    let cursor: string | undefined;
    do {
      const { data, response } = await ok(client.GET('/trash/', { params: { query: { limit: 1000, ...(cursor ? { cursor } : {}) } } }));
      images.push(...data);
      cursor = nextQuery(response.headers.get('link'))?.cursor;
    } while (cursor);
    return images;
  },
  updateImage: (
    id: number,
    body: { title?: string | null; description?: string | null; tags?: string[]; focal_point?: { x: number; y: number } | null },
  ) => ok(client.PATCH('/images/{id}/', { ...byId(id), body })).then((r) => r.data),
  trashImage: (id: number) => ok(client.POST('/images/{id}/trash', byId(id))).then((r) => r.data),
  restoreImage: (id: number) => ok(client.POST('/images/{id}/restore', byId(id))).then((r) => r.data),
  bulk: (body: BulkRequest) => ok(client.POST('/images/bulk/', { body })).then((r) => r.data),
  tags: () => ok(client.GET('/tags/')).then((r) => r.data),
  async albums(): Promise<Album[]> {
    const albums: Album[] = [];
    let cursor: string | undefined;
    do {
      const { data, response } = await ok(client.GET('/albums/', { params: { query: { limit: 1000, ...(cursor ? { cursor } : {}) } } }));
      albums.push(...data);
      cursor = nextQuery(response.headers.get('link'))?.cursor;
    } while (cursor);
    return albums;
  },
  album: (id: number) => ok(client.GET('/albums/{id}/', byId(id))).then((r) => r.data),
  shares: (query: { image?: number; album?: number }) => ok(client.GET('/shares/', { params: { query } })).then((r) => r.data),
  createShare: (body: NewShare) => ok(client.POST('/shares/', { body })).then((r) => r.data),
  revokeShare: (id: number) => ok(client.DELETE('/shares/{id}/', byId(id))).then(() => undefined),
  createAlbum: (title: string, description: string) =>
    ok(client.POST('/albums/', { body: { title, description: description || null } })).then((r) => r.data),
  updateAlbum: (id: number, body: { title?: string; description?: string | null }) =>
    ok(client.PATCH('/albums/{id}/', { ...byId(id), body })).then((r) => r.data),
  deleteAlbum: (id: number) => ok(client.DELETE('/albums/{id}/', byId(id))).then(() => undefined),
  setAlbumImages: (id: number, ids: number[]) => ok(client.PUT('/albums/{id}/images/', { ...byId(id), body: { ids } })).then((r) => r.data),
  removeFromAlbum: (id: number, imageId: number) =>
    ok(client.DELETE('/albums/{id}/images/{imageId}/', { params: { path: { id: String(id), imageId: String(imageId) } } })).then(
      () => undefined,
    ),
};

export interface UploadProgress {
  /** Fraction of the file sent, 0..1; 1 while the server checks the image. */
  (sent: number): void;
}

/**
 * Sends one file as multipart (field `image`), the way the original's clients do. XMLHttpRequest,
 * because fetch() cannot report upload progress.
 */
export function sendImage(method: 'POST' | 'PUT', path: string, file: File, onProgress: UploadProgress): Promise<Image> {
  return new Promise((resolve, reject) => {
    const token = getToken();
    const request = new XMLHttpRequest();
    request.open(method, path);
    request.setRequestHeader('accept', 'application/json');
    if (token) request.setRequestHeader('authorization', `Token ${token}`);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      const body = parse(request.responseText);
      if (request.status >= 200 && request.status < 300) return resolve(body as Image);
      checkSession(request.status, token !== null);
      reject(ApiError.fromBody(request.status, body, request.getResponseHeader('retry-after')));
    });
    // The server closes the connection when a declared size is over its limit: no body to read then.
    request.addEventListener('error', () => reject(ApiError.fromBody(0, null)));
    const form = new FormData();
    form.append('image', file, file.name);
    request.send(form);
  });
}

/** Asks the server to fetch an image from a URL (POST /images/ with JSON); its refusals name the field `url`. */
export async function importFromUrl(url: string): Promise<Image> {
  const token = getToken();
  const response = await fetch('/images/', {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify({ url }),
  });
  const body = parse(await response.text());
  if (response.ok) return body as Image;
  checkSession(response.status, token !== null);
  throw ApiError.fromBody(response.status, body, response.headers.get('retry-after'));
}
