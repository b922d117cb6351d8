// The gallery: usage, the uploader, search, and the thumbnails loaded page by page as you scroll;
// tiles can be selected for bulk actions.
import { api, type Image, type ListQuery } from './api.js';
import { bulkBar, ChosenImages } from './bulk.js';
import { formatBytes } from './format.js';
import { h, replace } from './dom.js';
import type { View } from './router.js';
import { queryOf, searchBar, type SearchState } from './search.js';
import { message, tile, usageSummary } from './ui.js';
import { uploader } from './uploader.js';

const PAGE_SIZE = 60;

export const galleryView: View = async (main, nav) => {
  // Both at once, and one render: the page appears complete, and nothing below moves when the grid fills.
  const [me, first, tags, albums] = await Promise.all([
    api.me(),
    api.images({ order: 'newest', limit: PAGE_SIZE }),
    api.tags(),
    api.albums(),
  ]);
  if (!nav.current()) return;
  const usage = h('div', {}, usageSummary(me));
  const chosen = new ChosenImages();
  const show = (image: Image) => tile(image, chosen);
  const grid = h('ul', { class: 'grid', 'aria-label': 'Images' }, ...first.images.map(show));
  const empty = h(
    'div',
    { class: 'empty', hidden: first.images.length > 0 },
    h('p', { class: 'empty-title' }, 'No images yet'),
    h(
      'p',
      {},
      `Drop files on the box above or choose them: JPEG, PNG, WebP, GIF (animated too), AVIF or TIFF, up to ` +
        `${formatBytes(me.limits.resumable_upload_bytes || me.limits.upload_bytes)} each. They stay private until you share them; ` +
        'EXIF, GPS positions included, is removed from every file served.',
    ),
  );
  const more = h('button', { type: 'button', class: 'button more', hidden: first.next === null }, 'Load more images');
  const status = h('div', { class: 'page-status' });
  let next = first.next;
  let loading = false;
  let listed = 0;
  let query: ListQuery = { order: 'newest', limit: PAGE_SIZE };

  /** Lists again from the first page (a new search, or after a bulk action). */
  const relist = async (note = '') => {
    const run = ++listed;
    try {
      const page = await api.images(query);
      if (!nav.current() || run !== listed) return;
      replace(grid, ...page.images.map(show));
      next = page.next;
      more.hidden = next === null;
      empty.hidden = page.images.length > 0;
      replace(empty, h('p', {}, 'No images match.'));
      replace(status, note ? message('info', note) : null);
    } catch (error) {
      replace(status, message('error', `Could not list the images: ${(error as Error).message}`));
    }
  };
  const search = searchBar(tags, (state: SearchState) => {
    query = queryOf(state, PAGE_SIZE);
    void relist();
  });
  const actions = bulkBar(chosen, albums, (note) => {
    void relist(note);
    void refreshUsage();
  });
  chosen.onChange = (count) => actions.update(count);

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
      grid.append(...page.images.map(show));
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
    grid.prepend(show(image));
    empty.hidden = true;
    void refreshUsage();
  };

  more.addEventListener('click', () => void loadPage());
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Your images'),
    usage,
    uploader({ maxBytes: me.limits.upload_bytes, maxResumableBytes: me.limits.resumable_upload_bytes, onUploaded }),
    h(
      'section',
      { 'aria-labelledby': 'images-title' },
      h('h2', { id: 'images-title', class: 'visually-hidden' }, 'Images'),
      search,
      actions.element,
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
