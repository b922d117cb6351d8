// The gallery: usage, the uploader, and the thumbnails, newest first, loaded page by page as you scroll.
import { api, type Image } from './api.js';
import { h, replace } from './dom.js';
import type { View } from './router.js';
import { message, tile, usageSummary } from './ui.js';
import { uploader } from './uploader.js';

const PAGE_SIZE = 60;

export const galleryView: View = async (main, nav) => {
  // Both at once, and one render: the page appears complete, and nothing below moves when the grid fills.
  const [me, first] = await Promise.all([api.me(), api.images({ order: 'newest', limit: PAGE_SIZE })]);
  if (!nav.current()) return;
  const usage = h('div', {}, usageSummary(me));
  const grid = h('ul', { class: 'grid', 'aria-label': 'Images' }, ...first.images.map(tile));
  const empty = h('p', { class: 'empty', hidden: first.images.length > 0 }, 'No images yet: choose some or drop them above.');
  const more = h('button', { type: 'button', class: 'button more', hidden: first.next === null }, 'Load more images');
  const status = h('div', { class: 'page-status' });
  let next = first.next;
  let loading = false;

  const refreshUsage = () =>
    api.me().then(
      (fresh) => replace(usage, usageSummary(fresh)),
      () => undefined,
    );

  const loadPage = async () => {
    if (loading || !next) return;
    loading = true;
    more.disabled = true;
    try {
      const page = await api.images(next);
      if (!nav.current()) return;
      grid.append(...page.images.map(tile));
      next = page.next;
      replace(status);
    } catch (error) {
      replace(status, message('error', `Could not load more images: ${(error as Error).message}`));
    } finally {
      loading = false;
      more.disabled = false;
      more.hidden = next === null;
    }
  };

  const onUploaded = (image: Image) => {
    grid.prepend(tile(image));
    empty.hidden = true;
    void refreshUsage();
  };

  more.addEventListener('click', () => void loadPage());
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Your images'),
    usage,
    uploader({ maxBytes: me.limits.upload_bytes, onUploaded }),
    h(
      'section',
      { 'aria-labelledby': 'images-title' },
      h('h2', { id: 'images-title', class: 'visually-hidden' }, 'Images'),
      empty,
      grid,
      status,
      more,
    ),
  );
  performance.mark('gallery:rendered');
  // Endless scrolling: the button loads the next page as it nears the viewport (and stays usable by keyboard).
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void loadPage();
    },
    { rootMargin: '600px 0px' },
  );
  observer.observe(more);
  nav.onLeave(() => observer.disconnect());
};
