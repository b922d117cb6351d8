import { InvalidInput, type FieldErrors } from '../errors.js';

/** What a user can write on an image, with the limits issue #15 set. */
export const LIMITS = {
  title: 200,
  description: 5000,
  tags: 50,
  tagLength: 64,
  metadataEntries: 50,
  metadataKeyLength: 64,
  metadataBytes: 8 * 1024,
} as const;

export type MetadataValue = string | number | boolean;
export type Metadata = Record<string, MetadataValue>;

const TAG_CHARACTERS = /^[\p{L}\p{N} _.:-]+$/u;
/** Keys appear in queries (`metadata.<key>=`), so they are plain: letters, digits and `_ . : -`. */
const METADATA_KEY = /^[A-Za-z0-9_.:-]+$/;

/** A tag as stored: trimmed, inner spaces collapsed, lower-case. Throws with the rule it breaks. */
export function normaliseTag(raw: string, field = 'tags'): string {
  const tag = raw.trim().replace(/\s+/g, ' ').toLowerCase();
  if (tag === '') throw new InvalidInput({ [field]: ['A tag may not be blank.'] });
  if ([...tag].length > LIMITS.tagLength)
    throw new InvalidInput({ [field]: [`Ensure each tag has no more than ${LIMITS.tagLength} characters ("${tag.slice(0, 20)}…").`] });
  if (!TAG_CHARACTERS.test(tag)) {
    throw new InvalidInput({ [field]: [`"${tag}" may contain only letters, digits, spaces and - _ . : characters.`] });
  }
  return tag;
}

/** Tags in the order given, each once, normalised; at most 50. */
export function normaliseTags(raw: readonly string[], field = 'tags'): string[] {
  const tags = [...new Set(raw.map((tag) => normaliseTag(tag, field)))];
  if (tags.length > LIMITS.tags)
    throw new InvalidInput({ [field]: [`Ensure an image has no more than ${LIMITS.tags} tags (got ${tags.length}).`] });
  return tags;
}

/** Tags from an upload's form: repeated fields, each possibly comma-separated. */
export function tagsFromForm(values: readonly string[]): string[] {
  return normaliseTags(values.flatMap((value) => value.split(',')).filter((tag) => tag.trim() !== ''));
}

export function checkTitle(title: string | null): string | null {
  if (title === null) return null;
  const trimmed = title.trim();
  if ([...trimmed].length > LIMITS.title)
    throw new InvalidInput({ title: [`Ensure this field has no more than ${LIMITS.title} characters.`] });
  return trimmed === '' ? null : trimmed;
}

export function checkDescription(raw: string | null): string | null {
  if (raw === null) return null;
  // Forms send line breaks as CRLF; they are stored as LF, whichever way they came.
  const description = raw.replace(/\r\n?/g, '\n');
  if ([...description].length > LIMITS.description) {
    throw new InvalidInput({ description: [`Ensure this field has no more than ${LIMITS.description} characters.`] });
  }
  return description.trim() === '' ? null : description;
}

/** A flat object of at most 50 string, number or boolean values, keys of at most 64 plain characters, 8 KB in all. */
export function checkMetadata(value: unknown, field = 'metadata'): Metadata | null {
  if (value === null) return null;
  const problems: string[] = [];
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInput({ [field]: ['Expected a JSON object of names and values.'] });
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > LIMITS.metadataEntries)
    problems.push(`Ensure there are no more than ${LIMITS.metadataEntries} entries (got ${entries.length}).`);
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > LIMITS.metadataKeyLength || !METADATA_KEY.test(key)) {
      problems.push(`"${key.slice(0, 20)}" is not a valid name: 1 to ${LIMITS.metadataKeyLength} letters, digits or _ . : - characters.`);
    } else if (!['string', 'number', 'boolean'].includes(typeof item) || (typeof item === 'number' && !Number.isFinite(item))) {
      problems.push(`"${key}" must be a string, a number or true/false (nested objects and lists are not kept).`);
    }
  }
  if (problems.length === 0 && Buffer.byteLength(JSON.stringify(value)) > LIMITS.metadataBytes) {
    problems.push(`Ensure the whole object is at most ${LIMITS.metadataBytes} bytes as JSON.`);
  }
  if (problems.length > 0) throw new InvalidInput({ [field]: problems });
  return entries.length === 0 ? null : (value as Metadata);
}

/** A metadata value as the index stores and compares it: text (`5`, `true`, `blue`). */
export function metadataText(value: MetadataValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Collects field errors from several checks into one 400. */
export function collect(checks: (() => void)[]): void {
  const fields: FieldErrors = {};
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      for (const [name, messages] of Object.entries(error.fields)) (fields[name] ??= []).push(...messages);
    }
  }
  if (Object.keys(fields).length > 0) throw new InvalidInput(fields);
}
