// The public API, as any client uses it: token header, JSON bodies, DRF-shaped errors.
import type { Image as ImageJson } from '../../src/schemas/images.js';
import { clearToken, getToken } from './session.js';

export type Image = ImageJson;

export interface Counts {
  images: number;
  bytes: number;
}

export interface Me {
  username: string;
  usage: Counts;
  limits: Counts & { upload_bytes: number };
}

export interface ImagePage {
  images: Image[];
  /** Same-origin path of the next page, when there is one. */
  next: string | null;
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

async function call<T>(method: string, path: string, body?: Record<string, string>): Promise<{ data: T; response: Response }> {
  const token = getToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Token ${token}`;
  if (body) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' });
  } catch {
    throw ApiError.fromBody(0, null);
  }
  const data = parse(await response.text());
  if (!response.ok) {
    checkSession(response.status, token !== null);
    throw ApiError.fromBody(response.status, data);
  }
  return { data: data as T, response };
}

/** The path and query of a Link rel="next" URL (the API builds absolute URLs from its public address). */
function nextPath(link: string | null): string | null {
  const match = link ? /<([^>]+)>\s*;\s*rel="next"/.exec(link) : null;
  if (!match) return null;
  const url = new URL(match[1]!, location.href);
  return url.pathname + url.search;
}

export const api = {
  register: (username: string, password: string, email: string) =>
    call<{ token: string }>('POST', '/register/', email ? { username, password, email } : { username, password }).then((r) => r.data.token),
  signIn: (username: string, password: string) =>
    call<{ token: string }>('POST', '/api-token-auth/', { username, password }).then((r) => r.data.token),
  regenerateToken: () => call<{ token: string }>('GET', '/regenerateToken/').then((r) => r.data.token),
  changePassword: (oldPassword: string, newPassword: string) =>
    call<{ token: string }>('POST', '/me/password/', { old_password: oldPassword, new_password: newPassword }).then((r) => r.data.token),
  me: () => call<Me>('GET', '/me/').then((r) => r.data),
  image: (id: number) => call<Image>('GET', `/images/${id}/`).then((r) => r.data),
  deleteImage: (id: number) => call<null>('DELETE', `/images/${id}/`).then(() => undefined),
  async images(path: string): Promise<ImagePage> {
    const { data, response } = await call<Image[]>('GET', path);
    return { images: data, next: nextPath(response.headers.get('link')) };
  },
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
