// The token is kept for this tab (sessionStorage) or, when the user ticks "Keep me signed in", for
// this browser (localStorage: every tab and reload). It never goes into a URL or a cookie, so no
// other site can make the browser send it; the strict Content-Security-Policy keeps scripts that
// could read it off the page.
const KEY = 'image-api:token';
const RETURN_KEY = 'image-api:after-sign-in';

export function getToken(): string | null {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
}

export function setToken(token: string, remember: boolean): void {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
}

/** A new token (regenerated, password changed) replaces the old one where the old one was kept. */
export function replaceToken(token: string): void {
  setToken(token, localStorage.getItem(KEY) !== null);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

/** The page asked for before sign-in (a deep link), to go to once signed in. */
export function rememberDestination(path: string): void {
  sessionStorage.setItem(RETURN_KEY, path);
}

export function takeDestination(): string {
  const path = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  // Only a route of this app (#/…), never somewhere else.
  return path !== null && /^\/[\w/-]*$/.test(path) ? path : '/';
}
