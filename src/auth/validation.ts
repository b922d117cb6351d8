import type * as LanguageCommon from '@zxcvbn-ts/language-common';
import { createRequire } from 'node:module';
import type { FieldErrors } from '../errors.js';

/** Django's default rules and messages, which clients of the original API display as they are. */
export const MESSAGES = {
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  username: 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
  usernameTaken: 'A user with that username already exists.',
  email: 'Enter a valid email address.',
  tooShort: 'This password is too short. It must contain at least 8 characters.',
  numeric: 'This password is entirely numeric.',
  common: 'This password is too common.',
  similar: 'The password is too similar to the username.',
  badCredentials: 'Unable to log in with provided credentials.',
} as const;

const MIN_PASSWORD_LENGTH = 8;

/** Usernames are kept in Unicode's compatibility form (NFKC), as Django does: ａｌｉｃｅ is alice. */
export function normaliseUsername(name: string): string {
  return name.normalize('NFKC');
}

/**
 * What makes two usernames the same account name: NFKC and case folded (upper- then lower-case, so
 * that ß and SS fold alike). Registering a name whose key is taken is refused.
 */
export function usernameKey(name: string): string {
  return normaliseUsername(name).toUpperCase().toLowerCase();
}
const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;
// Django's EmailValidator, simplified: a dot-atom local part and a dotted domain.
const EMAIL_PATTERN =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * zxcvbn's list of common passwords, loaded at the first password checked: unpacking it took 20 ms
 * of every process's start-up, and most processes never see a new password.
 */
function isCommonPassword(lowered: string): boolean {
  if (!commonPasswords) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof LanguageCommon;
    commonPasswords = new Set(
      dictionary['passwords-common']
        .filter((password: string) => password.length >= MIN_PASSWORD_LENGTH)
        .map((password: string) => password.toLowerCase()),
    );
  }
  return commonPasswords.has(lowered);
}

/** difflib's SequenceMatcher.quick_ratio(), the measure Django's UserAttributeSimilarityValidator uses. */
export function similarity(a: string, b: string): number {
  const total = a.length + b.length;
  if (total === 0) return 1;
  const available = new Map<string, number>();
  for (const character of b) available.set(character, (available.get(character) ?? 0) + 1);
  let matches = 0;
  for (const character of a) {
    const left = available.get(character) ?? 0;
    if (left > 0) {
      matches++;
      available.set(character, left - 1);
    }
  }
  return (2 * matches) / total;
}

const MAX_SIMILARITY = 0.7;

/** Django skips a comparison that cannot reach the threshold because the password is much longer. */
function tooLongToCompare(password: string, part: string): boolean {
  return password.length >= 10 * part.length && part.length < (MAX_SIMILARITY / 2) * password.length;
}

export function passwordProblems(password: string, username: string): string[] {
  const problems: string[] = [];
  const lowered = password.toLowerCase();
  const name = username.toLowerCase();
  const nameParts = name === '' ? [] : [name, ...name.split(/\W+/).filter((part) => part !== '')];
  if (nameParts.some((part) => !tooLongToCompare(lowered, part) && similarity(lowered, part) >= MAX_SIMILARITY))
    problems.push(MESSAGES.similar);
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(MESSAGES.tooShort);
  if (isCommonPassword(lowered.trim())) problems.push(MESSAGES.common);
  if (/^\d+$/.test(password)) problems.push(MESSAGES.numeric);
  return problems;
}

export interface Registration {
  username: string;
  password: string;
  email: string | null;
}

/** Checks a registration; returns the field errors (empty when valid). Uniqueness is checked by the database. */
export function registrationProblems(input: { username?: unknown; password?: unknown; email?: unknown }): FieldErrors {
  const errors: FieldErrors = {};
  const username = typeof input.username === 'string' ? input.username : undefined;
  const password = typeof input.password === 'string' ? input.password : undefined;
  if (username === undefined) errors.username = [MESSAGES.required];
  else if (username === '') errors.username = [MESSAGES.blank];
  else if (!USERNAME_PATTERN.test(username)) errors.username = [MESSAGES.username];
  if (password === undefined) errors.password = [MESSAGES.required];
  else if (password === '') errors.password = [MESSAGES.blank];
  else {
    const problems = passwordProblems(password, username ?? '');
    if (problems.length > 0) errors.password = problems;
  }
  if (typeof input.email === 'string' && input.email !== '' && !EMAIL_PATTERN.test(input.email)) errors.email = [MESSAGES.email];
  return errors;
}
