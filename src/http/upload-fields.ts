import { InvalidInput } from '../errors.js';
import type { NewImageFields } from '../images/catalog.js';
import { checkDescription, checkMetadata, checkTitle, collect, tagsFromForm } from '../images/fields.js';
import { NO_LABELS } from '../images/labels.js';

/** The form fields an upload may carry besides the file, each as the texts sent (fields may repeat). */
export type FormFields = Map<string, string[]>;

export const UPLOAD_FIELDS = ['title', 'description', 'tags', 'metadata', 'expires_in', 'expires_at', 'album'] as const;

const MIN_EXPIRY_SECONDS = 60;
const MAX_EXPIRY_SECONDS = 10 * 366 * 24 * 3600;

function single(form: FormFields, name: string): string | undefined {
  const values = form.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw new InvalidInput({ [name]: ['Give this field once.'] });
  return values[0];
}

/** When the image expires: `expires_in` seconds from now (at least 60) or an `expires_at` time at least that far ahead. */
function expiry(form: FormFields, now: number): string | null {
  const seconds = single(form, 'expires_in');
  const at = single(form, 'expires_at');
  if (seconds !== undefined && at !== undefined) throw new InvalidInput({ expires_in: ['Give expires_in or expires_at, not both.'] });
  if (seconds !== undefined) {
    if (!/^\d{1,10}$/.test(seconds.trim())) throw new InvalidInput({ expires_in: ['A valid integer (seconds) is required.'] });
    const value = Number(seconds);
    if (value < MIN_EXPIRY_SECONDS || value > MAX_EXPIRY_SECONDS) {
      throw new InvalidInput({ expires_in: [`Ensure this value is between ${MIN_EXPIRY_SECONDS} and ${MAX_EXPIRY_SECONDS} seconds.`] });
    }
    return new Date(now + value * 1000).toISOString();
  }
  if (at !== undefined) {
    const time = /^\d{4}-\d{2}-\d{2}T/.test(at) ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(time)) throw new InvalidInput({ expires_at: ['Datetime has wrong format: use ISO 8601 (2027-01-31T12:00:00Z).'] });
    if (time < now + MIN_EXPIRY_SECONDS * 1000) throw new InvalidInput({ expires_at: ['Ensure this time is at least a minute ahead.'] });
    if (time > now + MAX_EXPIRY_SECONDS * 1000) throw new InvalidInput({ expires_at: ['Ensure this time is within ten years.'] });
    return new Date(time).toISOString();
  }
  return null;
}

/** Reads and checks an upload's fields, every problem in one 400. */
export function uploadFields(form: FormFields, now: number): NewImageFields {
  const fields: NewImageFields = { ...NO_LABELS, expiresAt: null };
  collect([
    () => {
      const title = single(form, 'title');
      if (title !== undefined) fields.title = checkTitle(title);
    },
    () => {
      const description = single(form, 'description');
      if (description !== undefined) fields.description = checkDescription(description);
    },
    () => {
      const tags = form.get('tags');
      if (tags !== undefined) fields.tags = tagsFromForm(tags);
    },
    () => {
      const metadata = single(form, 'metadata');
      if (metadata === undefined || metadata.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(metadata);
      } catch {
        throw new InvalidInput({ metadata: ['Expected a JSON object of names and values.'] });
      }
      fields.metadata = checkMetadata(parsed);
    },
    () => {
      fields.expiresAt = expiry(form, now);
    },
    () => {
      const album = single(form, 'album');
      if (album === undefined || album.trim() === '') return;
      if (!/^\d{1,9}$/.test(album.trim()) || Number(album) < 1) throw new InvalidInput({ album: ['A valid integer is required.'] });
      fields.album = Number(album);
    },
  ]);
  return fields;
}
