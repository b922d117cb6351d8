// Multi-select in the gallery: the chosen images, and one action on all of them (all or nothing, server-side).
import { api, type Album, type BulkRequest } from './api.js';
import { h, replace, uid } from './dom.js';
import { plural } from './format.js';
import { confirmDialog, message, type Selection } from './ui.js';

export class ChosenImages implements Selection {
  private readonly ids = new Set<number>();
  /** Told the count after every change (the bulk bar shows it). */
  onChange: (count: number) => void = () => undefined;
  has(id: number): boolean {
    return this.ids.has(id);
  }
  toggle(id: number, on: boolean): void {
    if (on) this.ids.add(id);
    else this.ids.delete(id);
    this.onChange(this.ids.size);
  }
  list(): number[] {
    return [...this.ids];
  }
  clear(): void {
    this.ids.clear();
    this.onChange(0);
  }
}

/** The bar of bulk actions; `done` runs after an action that changed the images (to list them again). */
export function bulkBar(
  chosen: ChosenImages,
  albums: Album[],
  done: (note: string) => void,
): { element: HTMLElement; update(count: number): void } {
  const count = h('p', { class: 'bulk-count', role: 'status' });
  const status = h('div', { 'aria-live': 'polite' });
  const tagsId = uid('bulk-tags');
  const tags = h('input', { id: tagsId, type: 'text', placeholder: 'tag, another tag' });
  const albumId = uid('bulk-album');
  const album = h(
    'select',
    { id: albumId },
    h('option', { value: '' }, 'Choose an album'),
    ...albums.map((item) => h('option', { value: String(item.id) }, item.title)),
  );
  const run = async (request: Omit<BulkRequest, 'ids'>, note: string) => {
    const ids = chosen.list();
    if (ids.length === 0) return;
    try {
      await api.bulk({ ...request, ids } as BulkRequest);
      chosen.clear();
      done(note.replace('{n}', plural(ids.length, 'image')));
    } catch (error) {
      replace(status, message('error', (error as Error).message));
    }
  };
  const tagList = () =>
    tags.value
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
  const button = (label: string, onclick: () => void, kind = '') =>
    h('button', { type: 'button', class: `button ${kind}`, onclick }, label);
  const element = h(
    'section',
    { class: 'bulk', 'aria-label': 'Selected images', hidden: true },
    count,
    h(
      'div',
      { class: 'bulk-row' },
      h('label', { for: tagsId }, 'Tags'),
      tags,
      button('Add tags', () => void run({ action: 'add_tags', tags: tagList() }, 'Tagged {n}.')),
      button('Remove tags', () => void run({ action: 'remove_tags', tags: tagList() }, 'Untagged {n}.')),
    ),
    albums.length > 0
      ? h(
          'div',
          { class: 'bulk-row' },
          h('label', { for: albumId }, 'Album'),
          album,
          button('Add to album', () => {
            if (album.value) void run({ action: 'add_to_album', album: Number(album.value) }, 'Added {n} to the album.');
          }),
        )
      : null,
    h(
      'div',
      { class: 'bulk-row' },
      button('Move to trash', () => void run({ action: 'trash' }, 'Moved {n} to the trash.')),
      button(
        'Delete for good',
        async () => {
          const n = chosen.list().length;
          if (await confirmDialog(`Delete ${plural(n, 'image')}?`, 'They and their links are removed for good.', 'Delete'))
            void run({ action: 'delete' }, 'Deleted {n}.');
        },
        'danger',
      ),
      button('Clear selection', () => {
        chosen.clear();
        done('');
      }),
    ),
    status,
  );
  return {
    element,
    update(n: number) {
      element.hidden = n === 0;
      count.textContent = `${plural(n, 'image')} selected`;
    },
  };
}
