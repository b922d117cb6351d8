// The search bar of the gallery: words, tag chips to narrow by, format and order. Every change lists again.
import type { ListQuery, TagCount } from './api.js';
import { h, uid } from './dom.js';

const ORDERS: [NonNullable<ListQuery['order']>, string][] = [
  ['newest', 'Newest first'],
  ['oldest', 'Oldest first'],
  ['-taken', 'Taken, newest first'],
  ['taken', 'Taken, oldest first'],
  ['title', 'By title'],
];
const FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;

export interface SearchState {
  q: string;
  tags: string[];
  format: string;
  order: NonNullable<ListQuery['order']>;
}

export function queryOf(state: SearchState, limit: number): ListQuery {
  return {
    limit,
    order: state.order,
    ...(state.q.trim() ? { q: state.q.trim() } : {}),
    ...(state.tags.length > 0 ? { tag: state.tags } : {}),
    ...(state.format ? { format: state.format as (typeof FORMATS)[number] } : {}),
  };
}

export function searchBar(tags: TagCount[], onChange: (state: SearchState) => void): HTMLElement {
  const state: SearchState = { q: '', tags: [], format: '', order: 'newest' };
  const qId = uid('q');
  const q = h('input', { id: qId, type: 'search', name: 'q', placeholder: 'Whole words, or harb* for words starting so' });
  const formatId = uid('format');
  const format = h(
    'select',
    { id: formatId, name: 'format' },
    h('option', { value: '' }, 'Any format'),
    ...FORMATS.map((name) => h('option', { value: name }, name.toUpperCase())),
  );
  const orderId = uid('order');
  const order = h('select', { id: orderId, name: 'order' }, ...ORDERS.map(([value, label]) => h('option', { value }, label)));
  const chips = tags.map(({ tag, count }) => {
    const chip = h('button', { type: 'button', class: 'chip toggle', 'aria-pressed': 'false', 'data-tag': tag }, `${tag} (${count})`);
    chip.addEventListener('click', () => {
      const on = !state.tags.includes(tag);
      state.tags = on ? [...state.tags, tag] : state.tags.filter((other) => other !== tag);
      chip.setAttribute('aria-pressed', String(on));
      onChange({ ...state });
    });
    return h('li', {}, chip);
  });
  const form = h(
    'form',
    { class: 'search', role: 'search', 'aria-label': 'Find images' },
    h('div', { class: 'field' }, h('label', { for: qId }, 'Search'), q),
    h('div', { class: 'field' }, h('label', { for: formatId }, 'Format'), format),
    h('div', { class: 'field' }, h('label', { for: orderId }, 'Order'), order),
    h('button', { type: 'submit', class: 'button' }, 'Search'),
    chips.length > 0 ? h('ul', { class: 'chips', 'aria-label': 'Only images tagged' }, ...chips) : null,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.q = q.value;
    onChange({ ...state });
  });
  for (const select of [format, order]) {
    select.addEventListener('change', () => {
      state.format = format.value;
      state.order = order.value as SearchState['order'];
      state.q = q.value;
      onChange({ ...state });
    });
  }
  return form;
}
