/** Query parameters that are credentials while valid: their values never reach a log. */
const SECRET_PARAMS = new Set(['sig', 'token', 'key', 'password']);

/**
 * The URL as it may be logged. Parameter names are compared as the server reads them (decoded and
 * case-folded), so `%73ig=` or `SIG=` is redacted like `sig=`; the rest of the query stays readable.
 */
export function redactUrl(raw: string): string {
  // A share's token is its path's second segment: /s/<token>/…
  const url = raw.replace(/^\/s\/[^/?#]+/, '/s/[redacted]');
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  if (![...params.keys()].some((name) => SECRET_PARAMS.has(name.toLowerCase()))) return url;
  const kept = new URLSearchParams();
  for (const [name, value] of params) kept.append(name, SECRET_PARAMS.has(name.toLowerCase()) ? '[redacted]' : value);
  return `${url.slice(0, queryStart)}?${kept.toString()}`;
}
