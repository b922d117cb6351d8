/**
 * Search works on words: case-, accent- and punctuation-free, computed here the same way for what is
 * stored (file name, title, description, tags) and for what is asked, so that SQLite's FTS5 and
 * PostgreSQL's `simple` text search see the same tokens.
 */
function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** The normalised words of an image's searchable text. */
export function searchText(parts: readonly (string | null | undefined)[]): string {
  return parts.flatMap((part) => (part ? words(part) : [])).join(' ');
}

/** The words of a query (each matched as a prefix; all must match); at most 10. */
export function queryWords(query: string): string[] {
  return [...new Set(words(query))].slice(0, 10);
}
