// The trash: images waiting to be deleted for good, each with Restore and Delete.
import { api, type Image } from './api.js';
import { h, replace } from './dom.js';
import { formatDate, plural } from './format.js';
import type { View } from './router.js';
import { confirmDialog, message } from './ui.js';

export const trashView: View = async (main, nav) => {
  const images = await api.trash();
  if (!nav.current()) return;
  const status = h('div', { class: 'action-status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'trash', 'aria-label': 'Images in the trash' });
  const count = h('p', { class: 'hint' });
  const render = () => {
    count.textContent = `${plural(images.length, 'image')} in the trash. They are deleted for good some days after they were put here.`;
    replace(list, ...images.map(row));
  };
  const drop = (image: Image, note: string) => {
    images.splice(images.indexOf(image), 1);
    render();
    replace(status, message('info', note));
    list.querySelector<HTMLElement>('button')?.focus();
  };
  function row(image: Image): HTMLElement {
    const name = image.title ?? image.filename;
    return h(
      'li',
      {},
      h('img', { src: image.variants.thumb ?? image.url, alt: '', width: 64, height: 64 }),
      h('span', {}, name, h('span', { class: 'hint' }, ` trashed ${formatDate(image.trashed_at ?? image.updated_at)}`)),
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          'aria-label': `Restore ${name}`,
          onclick: async () => {
            try {
              await api.restoreImage(image.id);
              drop(image, `Restored ${name}.`);
            } catch (error) {
              replace(status, message('error', (error as Error).message));
            }
          },
        },
        'Restore',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button danger',
          'aria-label': `Delete ${name} for good`,
          onclick: async () => {
            if (!(await confirmDialog(`Delete ${name} for good?`, 'This cannot be undone.', 'Delete'))) return;
            try {
              await api.deleteImage(image.id);
              drop(image, `Deleted ${name}.`);
            } catch (error) {
              replace(status, message('error', (error as Error).message));
            }
          },
        },
        'Delete',
      ),
    );
  }
  render();
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Trash'),
    count,
    images.length > 0 ? list : h('p', { class: 'empty' }, 'The trash is empty.'),
    status,
  );
};
