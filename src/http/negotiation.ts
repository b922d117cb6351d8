/**
 * The q-value a header (Accept, Accept-Encoding) gives the tokens `matches` picks, 0 when it names
 * none of them or gives an unreadable q.
 */
export function acceptQuality(header: string | undefined, matches: (token: string) => boolean): number {
  let best = 0;
  for (const part of (header ?? '').split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    if (!matches(token.trim())) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    best = Math.max(best, Number.isNaN(value) ? 0 : value);
  }
  return best;
}

/** Whether an If-None-Match header (a list, weak or `*`) matches an ETag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const value = candidate.trim().replace(/^W\//, '');
    return value === '*' || value === etag;
  });
}
