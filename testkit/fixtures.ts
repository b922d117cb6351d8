import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The real-world test images of ../shared/fixtures/images (see its README). */
export const FIXTURES = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'images');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export async function fixtureNames(): Promise<string[]> {
  return (await readdir(FIXTURES)).filter((name) => !name.endsWith('.md')).sort();
}

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
