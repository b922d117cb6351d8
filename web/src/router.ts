// Hash routes (#/images/3): the server serves one page, and a route never reaches it as a path.

export interface Nav {
  /** False once the user has gone elsewhere: an async view stops rendering. */
  current(): boolean;
  /** Runs when the user leaves this page. */
  onLeave(cleanup: () => void): void;
  params: Record<string, string>;
}

export type View = (main: HTMLElement, nav: Nav) => Promise<void> | void;

export interface Route {
  pattern: RegExp;
  names: string[];
  view: View;
  /** Reachable without a token (sign in, sign up). */
  public?: boolean;
}

export function route(path: string, view: View, isPublic = false): Route {
  const names: string[] = [];
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, (_match, name: string) => (names.push(name), '(\\d{1,10})'))}$`);
  return { pattern, names, view, public: isPublic };
}

export function match(routes: Route[], path: string): { route: Route; params: Record<string, string> } | null {
  for (const candidate of routes) {
    const found = candidate.pattern.exec(path);
    if (found) return { route: candidate, params: Object.fromEntries(candidate.names.map((name, i) => [name, found[i + 1]!])) };
  }
  return null;
}

export function go(path: string): void {
  if (location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = path;
}

let pendingNotice: string | null = null;

/** A message for the next page (after a delete, say), shown once. */
export function flash(text: string): void {
  pendingNotice = text;
}

export function takeFlash(): string | null {
  const text = pendingNotice;
  pendingNotice = null;
  return text;
}
