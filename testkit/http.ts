import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  authorization?: string;
  json?: unknown;
  form?: Record<string, string>;
  body?: string | FormData | Buffer;
  headers?: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
export async function api<T = any>(base: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Token ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  // A Buffer is copied into a plain Uint8Array: the one body type Node's and the DOM's fetch() types share.
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: Buffer.isBuffer(body) ? new Uint8Array(body) : body,
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export async function fetchBytes(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

let userCounter = 0;

export function uniqueUsername(prefix = 'user'): string {
  userCounter++;
  return `${prefix}${userCounter}_${randomBytes(3).toString('hex')}`;
}

export const GOOD_PASSWORD = 'correct horse battery';

export async function register(base: string, username = uniqueUsername()): Promise<string> {
  const response = await api<{ token: string }>(base, '/register/', { method: 'POST', json: { username, password: GOOD_PASSWORD } });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return response.body.token;
}

export interface UploadOptions {
  method?: 'POST' | 'PUT';
  path?: string;
  field?: string;
  filename?: string;
  contentType?: string;
  /** Form fields sent before the file (a list: the field repeated). */
  fields?: Record<string, string | string[]>;
}

/** Uploads bytes (or a fixture path) as multipart, the way httpie --form and browsers do. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
export async function upload<T = any>(
  base: string,
  token: string,
  content: Buffer | string,
  options: UploadOptions = {},
): Promise<ApiResponse<T>> {
  const bytes = typeof content === 'string' ? await readFile(content) : content;
  const filename = options.filename ?? (typeof content === 'string' ? basename(content) : 'upload.bin');
  const form = new FormData();
  for (const [name, value] of Object.entries(options.fields ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  form.append(
    options.field ?? 'image',
    new Blob([new Uint8Array(bytes)], { type: options.contentType ?? 'application/octet-stream' }),
    filename,
  );
  return api<T>(base, options.path ?? '/images/', { method: options.method ?? 'POST', token, body: form });
}

/**
 * One request sent from a given loopback address (127.0.0.2, …), so that a test can act as several
 * clients to a server on 127.0.0.1 without a proxy in front.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, localAddress }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
