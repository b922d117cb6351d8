import { lookup as dnsLookup } from 'node:dns/promises';
import type * as Http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import type { LookupFunction } from 'node:net';
import { decideAddress, parseAddress, type OutboundRules } from './address-policy.js';

// Required, not imported: an ESM import of node:http builds its export facade, which reads every lazy
// export (undici's fetch classes among them), 50 ms of start-up.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof Http;
const https = require('node:https') as typeof Https;

/** Resolves a host name to every address it has (injected in tests: no test asks a real DNS server). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface OutboundOptions {
  rules: OutboundRules;
  /** Ports allowed besides the scheme's default; hosts and ranges opened by OUTBOUND_ALLOW may use any port. */
  ports: readonly number[];
  connectTimeoutMs: number;
  /** From the request to the response's headers. */
  firstByteTimeoutMs: number;
  /** The whole exchange, body included. */
  totalTimeoutMs: number;
  maxRedirects: number;
  resolver: Resolver;
  userAgent: string;
}

/** An outbound call that was refused or failed; the message is for the user who gave the URL (no remote body in it). */
export class OutboundError extends Error {}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives; destroyed when the total time runs out. */
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
}

interface Target {
  address: string;
  family: 4 | 6;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function networkMessage(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'The server refused the connection.';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'The server closed the connection.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ENODATA':
      return 'The host name could not be resolved.';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'The server cannot be reached.';
    default:
      return error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')
        ? 'The secure connection to the server failed.'
        : 'The server could not be reached.';
  }
}

/**
 * The one client for every call this service makes to an address a user gave: resolves once,
 * checks every address against the policy and connects to the checked one (no second lookup for
 * DNS rebinding to slip into), re-checks each redirect, and bounds every phase in time.
 */
export class OutboundClient {
  constructor(private readonly options: OutboundOptions) {}

  /** Parses and checks a URL's form: scheme, credentials, port (the last once the address is known). */
  parse(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundError('Enter a valid URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('Only http and https URLs are allowed.');
    if (url.username || url.password) throw new OutboundError('URLs with credentials are not allowed.');
    return url;
  }

  /** Resolves the URL's host and returns the address to connect to, or throws why none may be used. */
  async target(url: URL): Promise<Target> {
    const literal = parseAddress(url.hostname);
    const host = literal ? null : url.hostname.toLowerCase().replace(/\.$/, '');
    let candidates: { address: string; family: number }[];
    if (literal) candidates = [{ address: literal.toString(), family: literal.kind() === 'ipv4' ? 4 : 6 }];
    else {
      try {
        candidates = await this.options.resolver(host!);
      } catch (error) {
        throw new OutboundError(networkMessage(error as NodeJS.ErrnoException));
      }
      if (candidates.length === 0) throw new OutboundError('The host name could not be resolved.');
    }
    // Every address must pass: a name that also resolves to a private address is refused, whichever one would be used.
    let opened = true;
    for (const candidate of candidates) {
      const address = parseAddress(candidate.address);
      if (!address) throw new OutboundError('The host name resolved to something that is not an address.');
      const decision = decideAddress(address, host, this.options.rules);
      if (!decision.allowed) throw new OutboundError(decision.reason);
      opened &&= decision.opened;
    }
    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    const port = url.port === '' ? defaultPort : Number(url.port);
    if (port !== defaultPort && !opened && !this.options.ports.includes(port)) {
      throw new OutboundError(`Port ${port} is not allowed (allowed: ${[80, 443, ...this.options.ports].join(', ')}).`);
    }
    const first = candidates[0]!;
    return { address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  /** GET, following at most maxRedirects redirects, each checked like the first URL. Any final status is returned. */
  async get(text: string, headers: Record<string, string> = {}): Promise<OutboundResponse> {
    const deadline = Date.now() + this.options.totalTimeoutMs;
    let url = this.parse(text);
    for (let redirects = 0; ; redirects++) {
      const response = await this.send('GET', url, headers, null, deadline);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) {
        return { status: response.statusCode ?? 0, headers: response.headers, body: response, url };
      }
      response.destroy();
      if (redirects >= this.options.maxRedirects) throw new OutboundError(`Too many redirects (more than ${this.options.maxRedirects}).`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new OutboundError('The server redirected to an invalid URL.');
      }
      url = this.parse(next.toString());
    }
  }

  /** POST a body; redirects are not followed (the answer is returned as it is). */
  async post(text: string, body: Buffer, headers: Record<string, string>): Promise<OutboundResponse> {
    const url = this.parse(text);
    const response = await this.send(
      'POST',
      url,
      { ...headers, 'content-length': String(body.length) },
      body,
      Date.now() + this.options.totalTimeoutMs,
    );
    return { status: response.statusCode ?? 0, headers: response.headers, body: response, url };
  }

  private async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Buffer | null,
    deadline: number,
  ): Promise<IncomingMessage> {
    const target = await this.target(url);
    const { connectTimeoutMs, firstByteTimeoutMs, userAgent } = this.options;
    // The connection goes to the address just checked, whatever the name would resolve to now.
    const lookup: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [target]);
      else callback(null, target.address, target.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(headersTimer);
        request.destroy();
        reject(new OutboundError(message));
      };
      const request = client.request(url, {
        method,
        lookup,
        agent: false,
        headers: { 'user-agent': userAgent, accept: '*/*', ...headers },
        ...(parseAddress(url.hostname) ? {} : { servername: url.hostname }),
      });
      const connectTimer = setTimeout(() => fail('Connecting to the server timed out.'), Math.min(connectTimeoutMs, deadline - Date.now()));
      const headersTimer = setTimeout(
        () => fail('The server did not answer in time.'),
        Math.max(0, Math.min(firstByteTimeoutMs, deadline - Date.now())),
      );
      request.once('socket', (socket) => {
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      request.once('error', (error) => fail(networkMessage(error as NodeJS.ErrnoException)));
      request.once('response', (response) => {
        if (settled) {
          response.destroy();
          return;
        }
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(headersTimer);
        // The body has what is left of the total time.
        const bodyTimer = setTimeout(
          () => response.destroy(new OutboundError('The server took too long to send the file.')),
          Math.max(0, deadline - Date.now()),
        );
        response.once('close', () => clearTimeout(bodyTimer));
        resolve(response);
      });
      request.end(body ?? undefined);
    });
  }
}
