// Albums: the list with covers and a form to make one; one album's images in order, reordered by
// dragging or with the Move buttons (keyboard), taken out, renamed, deleted.
import { api, ApiError, type Album, type Image } from './api.js';
import { h, replace } from './dom.js';
import { plural } from './format.js';
import { apiForm, field } from './forms.js';
import { flash, go, type View } from './router.js';
import { shareSection } from './share.js';
import { confirmDialog, message } from './ui.js';

function albumCard(album: Album): HTMLElement {
  const cover = album.cover
    ? h('img', { src: album.cover, alt: '', width: 160, height: 160, loading: 'lazy', decoding: 'async' })
    : h('span', { class: 'empty-cover', 'aria-hidden': 'true' });
  return h(
    'li',
    { class: 'album-card' },
    h('a', { href: `#/albums/${album.id}` }, cover, h('span', { class: 'album-title' }, album.title)),
    h('span', { class: 'hint' }, plural(album.image_count, 'image')),
  );
}

export const albumsView: View = async (main, nav) => {
  const albums = await api.albums();
  if (!nav.current()) return;
  const title = field('title', 'Title', { type: 'text', required: true, maxlength: '200' });
  const description = field('description', 'Description', { type: 'text' });
  const form = apiForm('new-album', [title, description], 'Create album', async (values) => {
    const album = await api.createAlbum(values.title ?? '', values.description ?? '');
    flash(`Created ${album.title}.`);
    go(`/albums/${album.id}`);
  });
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Albums'),
    albums.length > 0
      ? h('ul', { class: 'albums', 'aria-label': 'Your albums' }, ...albums.map(albumCard))
      : h('p', { class: 'empty' }, 'No albums yet. Create one, then add images to it from the gallery (select them).'),
    h('section', { 'aria-labelledby': 'new-album-title' }, h('h2', { id: 'new-album-title' }, 'New album'), form),
  );
};

async function allImages(album: number): Promise<Image[]> {
  const images: Image[] = [];
  let page = await api.images({ album, order: 'album', limit: 1000 });
  images.push(...page.images);
  while (page.next) {
    page = await api.images(page.next);
    images.push(...page.images);
  }
  return images;
}

export const albumView: View = async (main, nav) => {
  const id = Number(nav.params.id);
  let album: Album;
  let images: Image[];
  try {
    [album, images] = await Promise.all([api.album(id), allImages(id)]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(main, h('h1', { tabindex: -1 }, 'Album not found'), h('p', {}, h('a', { href: '#/albums' }, 'Back to your albums')));
      return;
    }
    throw error;
  }
  if (!nav.current()) return;
  const status = h('div', { class: 'action-status', 'aria-live': 'polite' });
  const list = h('ol', { class: 'album-images', 'aria-label': 'Images in this album, in order' });
  let dragged: number | null = null;

  const save = async (order: Image[], note: string, focusId?: number, focusClass?: string) => {
    const previous = images;
    images = order;
    render(focusId, focusClass);
    try {
      album = await api.setAlbumImages(
        id,
        images.map((image) => image.id),
      );
      replace(status, message('info', note));
    } catch (error) {
      images = previous;
      render();
      replace(status, message('error', `Not saved: ${(error as Error).message}`));
    }
  };
  const move = (index: number, to: number, focusClass: string) => {
    if (to < 0 || to >= images.length) return;
    const order = [...images];
    const [item] = order.splice(index, 1);
    order.splice(to, 0, item!);
    void save(order, `Moved ${item!.title ?? item!.filename} to position ${to + 1} of ${order.length}.`, item!.id, focusClass);
  };

  function row(image: Image, index: number): HTMLElement {
    const name = image.title ?? image.filename;
    const item = h(
      'li',
      { draggable: 'true', 'data-id': image.id },
      h('img', { src: image.variants.thumb ?? image.url, alt: '', width: 64, height: 64, loading: 'lazy' }),
      h('a', { href: `#/images/${image.id}` }, name),
      h(
        'button',
        {
          type: 'button',
          class: 'button up',
          'aria-label': `Move ${name} up`,
          disabled: index === 0,
          onclick: () => move(index, index - 1, 'up'),
        },
        '↑',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button down',
          'aria-label': `Move ${name} down`,
          disabled: index === images.length - 1,
          onclick: () => move(index, index + 1, 'down'),
        },
        '↓',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          'aria-label': `Remove ${name} from the album`,
          onclick: async () => {
            try {
              await api.removeFromAlbum(id, image.id);
              images = images.filter((other) => other.id !== image.id);
              render();
              replace(status, message('info', `Took ${name} out of the album (the image stays).`));
            } catch (error) {
              replace(status, message('error', (error as Error).message));
            }
          },
        },
        'Remove',
      ),
    );
    item.addEventListener('dragstart', () => (dragged = index));
    item.addEventListener('dragover', (event) => event.preventDefault());
    item.addEventListener('drop', (event) => {
      event.preventDefault();
      if (dragged !== null && dragged !== index) move(dragged, index, 'up');
      dragged = null;
    });
    return item;
  }

  const heading = h('h1', { tabindex: -1 });
  const count = h('p', { class: 'hint' });
  function render(focusId?: number, focusClass?: string): void {
    heading.textContent = album.title;
    count.textContent = `${plural(images.length, 'image')}${album.description ? ` · ${album.description}` : ''}`;
    replace(list, ...images.map(row));
    if (focusId !== undefined) {
      const button = list.querySelector<HTMLButtonElement>(`li[data-id="${focusId}"] .${focusClass ?? 'up'}`);
      (button && !button.disabled ? button : list.querySelector<HTMLElement>(`li[data-id="${focusId}"] a`))?.focus();
    }
  }
  render();

  const rename = field('title', 'Title', { type: 'text', value: album.title, maxlength: '200' });
  const renameForm = apiForm('rename-album', [rename], 'Rename', async (values) => {
    album = await api.updateAlbum(id, { title: values.title ?? '' });
    render();
    replace(status, message('info', 'Renamed.'));
  });
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'button danger',
      onclick: async () => {
        if (!(await confirmDialog(`Delete the album ${album.title}?`, 'Its images stay in your gallery.', 'Delete album'))) return;
        await api.deleteAlbum(id);
        flash(`Deleted the album ${album.title}.`);
        go('/albums');
      },
    },
    'Delete album',
  );
  replace(
    main,
    h('p', { class: 'back' }, h('a', { href: '#/albums' }, '← All albums')),
    heading,
    count,
    images.length > 0 ? list : h('p', { class: 'empty' }, 'No images yet: select some in the gallery and add them to this album.'),
    h('p', { class: 'hint' }, 'Drag an image to a new place, or use its arrow buttons.'),
    renameForm,
    remove,
    status,
    shareSection({ album: id }),
  );
};
