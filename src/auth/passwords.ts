import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { WorkLimiter } from '../limiter.js';

/** OWASP's scrypt setting of 32 MiB: N=2^15, r=8, p=3. Kept in each hash so it can be raised later. */
const COST = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  const maxmem = 256 * (options.N ?? COST.N) * (options.r ?? COST.r) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Format: scrypt$N$r$p$salt$hash (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What a check is taken to cost when it could not be measured. */
const ASSUMED_CHECK_MS = 100;

/**
 * How long one check takes on this machine (scrypt's cost does not depend on the password), measured
 * once in the background from start-up. It was awaited at import: two scrypts held back the whole
 * start-up (a fifth of it), for a figure only a login with an unknown name needs.
 */
const measuredCheckMs: Promise<number> = (async () => {
  const started = performance.now();
  await verifyPassword('warm-up', await hashPassword(randomBytes(16).toString('hex')));
  return (performance.now() - started) / 2;
})().catch(() => ASSUMED_CHECK_MS);

/**
 * Password hashing through a small semaphore (PASSWORD_HASH_CONCURRENCY, default 1): each scrypt
 * holds a thread of libuv's pool and 32 MiB for ~100 ms, so a flood of guesses could otherwise take
 * the pool that file delivery needs. Beyond 256 waiting, 503.
 */
export class PasswordHasher {
  private readonly limiter: WorkLimiter;
  /** A running average of real checks (waiting included), which a check of an unknown account imitates; null until the first. */
  private typicalCheckMs: number | null = null;

  constructor(concurrency: number) {
    this.limiter = new WorkLimiter({ concurrency, queueSize: 256, busyMessage: 'The server is busy checking passwords.' });
  }

  hash(password: string): Promise<string> {
    return this.limiter.run(() => hashPassword(password));
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const started = performance.now();
    const matches = await this.limiter.run(() => verifyPassword(password, stored));
    const elapsed = performance.now() - started;
    this.typicalCheckMs = 0.9 * (this.typicalCheckMs ?? (await measuredCheckMs)) + 0.1 * elapsed;
    return matches;
  }

  /**
   * The answer for an account that does not exist: false, after about as long as a real check
   * takes, so that timing does not tell which names exist. It waits instead of hashing a dummy:
   * a flood of logins with made-up names then costs no CPU and no place in the hashing queue, which
   * real users' logins need. (Registration tells whether a name is taken anyway.)
   */
  async pretend(): Promise<false> {
    const jitter = 0.85 + Math.random() * 0.3;
    const typical = this.typicalCheckMs ?? (await measuredCheckMs);
    await new Promise((resolve) => setTimeout(resolve, typical * jitter));
    return false;
  }
}
