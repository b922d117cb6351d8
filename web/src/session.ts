// The token lives in sessionStorage: it goes with the tab, never into a URL, a cookie or localStorage.
const KEY = 'image-api:token';

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
