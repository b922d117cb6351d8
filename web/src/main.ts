// Starts the app: routes, the header navigation, and what happens when the token stops working.
import { accountView } from './account.js';
import { albumsView, albumView } from './albums.js';
import { trashView } from './trash.js';
import { keysView } from './keys.js';
import { webhooksView } from './webhooks.js';
import { ApiError, SESSION_ENDED } from './api.js';
import { signInView, signUpView } from './auth.js';
import { detailView } from './detail.js';
import { h, replace } from './dom.js';
import { galleryView } from './gallery.js';
import { flash, go, match, route, takeFlash, type Nav } from './router.js';
import { clearToken, getToken, rememberDestination } from './session.js';
import { message } from './ui.js';

const routes = [
  route('/', galleryView),
  route('/images/:id', detailView),
  route('/albums', albumsView),
  route('/albums/:id', albumView),
  route('/trash', trashView),
  route('/account', accountView),
  route('/keys', keysView),
  route('/webhooks', webhooksView),
  route('/signin', signInView, true),
  route('/signup', signUpView, true),
];

const main = document.getElementById('main')!;
const navigation = document.getElementById('nav')!;
let navigationCount = 0;
let leaving: (() => void)[] = [];

function renderNav(path: string): void {
  if (!getToken()) {
    replace(navigation);
    return;
  }
  const link = (href: string, label: string) => h('a', { href: `#${href}`, 'aria-current': path === href ? 'page' : null }, label);
  const signOut = h('button', { type: 'button', class: 'link-button' }, 'Sign out');
  signOut.addEventListener('click', () => {
    clearToken();
    flash('You are signed out.');
    go('/signin');
  });
  replace(
    navigation,
    link('/', 'Images'),
    link('/albums', 'Albums'),
    link('/trash', 'Trash'),
    link('/keys', 'API keys'),
    link('/webhooks', 'Webhooks'),
    link('/account', 'Account'),
    signOut,
  );
}

async function show(): Promise<void> {
  const hash = location.hash;
  // In-page anchors (the skip link) are not routes.
  if (hash !== '' && !hash.startsWith('#/')) return;
  const path = hash.slice(1) || '/';
  const found = match(routes, path);
  if (!found) return go('/');
  if (!found.route.public && !getToken()) {
    // A deep link (#/images/3) opened signed out comes back to that page after sign-in.
    if (path !== '/') rememberDestination(path);
    return go('/signin');
  }
  if (found.route.public && getToken()) return go('/');

  for (const cleanup of leaving) cleanup();
  leaving = [];
  const id = ++navigationCount;
  const nav: Nav = { current: () => id === navigationCount, onLeave: (cleanup) => leaving.push(cleanup), params: found.params };
  renderNav(path);
  const notice = takeFlash();
  document.title = 'image-api';
  try {
    await found.route.view(main, nav);
  } catch (error) {
    if (!nav.current() || (error instanceof ApiError && error.status === 401)) return;
    replace(
      main,
      h('h1', { tabindex: -1 }, 'Something went wrong'),
      message('error', (error as Error).message),
      h('p', {}, h('a', { href: '#/' }, 'Back to your images')),
    );
  }
  if (!nav.current()) return;
  const heading = main.querySelector('h1');
  if (heading) document.title = `${heading.textContent} · image-api`;
  if (notice) heading?.after(message('info', notice));
  // Move focus to the new page's heading, so keyboard and screen-reader users start there.
  if (id > 1) heading?.focus();
}

window.addEventListener(SESSION_ENDED, () => {
  flash('Your token is no longer valid (regenerated or revoked elsewhere). Sign in again.');
  go('/signin');
});
window.addEventListener('hashchange', () => void show());
// Signed out in another tab (with "keep me signed in"): this one follows.
window.addEventListener('storage', (event) => {
  if (event.key === 'image-api:token' && event.newValue === null && !getToken()) {
    flash('You are signed out.');
    go('/signin');
  }
});
// A file dropped outside the drop zone must not replace the app with the file.
for (const type of ['dragover', 'drop']) window.addEventListener(type, (event) => event.preventDefault());

void show();
