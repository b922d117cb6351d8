// Shared pieces of the pages: dialogs, file pickers, copyable fields, messages, image tiles.
import { api, type Image, type Me } from './api.js';
import { copyText, h, uid } from './dom.js';
import { formatBytes, plural } from './format.js';
import { placeholderUrl } from './placeholder.js';

/** The image's fade-in (styles.css). */
const FADE_MS = 200;

/** A modal confirmation; resolves true only when the confirming button is pressed. Focus starts on Cancel. */
export function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const textId = uid('dialog-text');
    const cancel = h('button', { type: 'button', class: 'button', onclick: () => dialog.close('cancel') }, 'Cancel');
    const confirm = h('button', { type: 'button', class: 'button danger', onclick: () => dialog.close('confirm') }, confirmLabel);
    const dialog = h(
      'dialog',
      { 'aria-labelledby': titleId, 'aria-describedby': textId },
      h('h2', { id: titleId }, title),
      h('p', { id: textId }, text),
      h('div', { class: 'actions' }, cancel, confirm),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'confirm');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/**
 * A file picker that looks like a button: the real input stays in the tab order (keyboard and screen
 * readers use it), its label is what is seen.
 */
export function filePicker(label: string, multiple: boolean, onFiles: (files: File[]) => void): HTMLElement {
  const id = uid('file');
  const input = h('input', { type: 'file', id, class: 'file-input', accept: 'image/*', multiple });
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) onFiles(files);
  });
  return h('span', { class: 'file-picker' }, input, h('label', { for: id, class: 'button primary' }, label));
}

/** A read-only field with a Copy button and a spoken confirmation. */
export function copyField(label: string, value: string, options: { secret?: boolean } = {}): HTMLElement {
  const id = uid('copy');
  const input = h('input', {
    id,
    type: options.secret ? 'password' : 'text',
    readonly: true,
    value,
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'button',
      onclick: async () => {
        const copied = await copyText(input.value, input);
        status.textContent = copied ? 'Copied' : 'Selected: press Ctrl+C to copy';
        setTimeout(() => (status.textContent = ''), 4000);
      },
    },
    'Copy',
  );
  copy.setAttribute('aria-label', `Copy ${label}`);
  const controls: HTMLElement[] = [input];
  if (options.secret) {
    // A toggle keeps its name; its pressed state says whether the secret is shown.
    const toggle = h('button', { type: 'button', class: 'button toggle', 'aria-pressed': 'false' }, 'Show');
    toggle.setAttribute('aria-label', `Show ${label}`);
    toggle.addEventListener('click', () => {
      const shown = input.type === 'password';
      input.type = shown ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(shown));
    });
    controls.push(toggle);
  }
  return h('div', { class: 'copy-field' }, h('label', { for: id }, label), h('div', { class: 'copy-row' }, ...controls, copy, status));
}

export function message(kind: 'error' | 'info', text: string): HTMLElement {
  return h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/**
 * Shows the placeholder (dominant colour, then the blurred ThumbHash) behind an image until it has
 * loaded and decoded, then fades the image in over it; the box has its final size from the start, so
 * nothing moves when the image arrives. Only a transparent image needs the placeholder taken away.
 */
export function withPlaceholder(frame: HTMLElement, img: HTMLImageElement, image: Image): void {
  frame.classList.add('ph');
  frame.style.backgroundColor = image.dominant_color;
  const blurred = placeholderUrl(image.placeholder);
  if (blurred) frame.style.backgroundImage = `url("${blurred}")`;
  const reveal = () => {
    frame.classList.add('loaded');
    if (image.has_alpha) setTimeout(() => frame.classList.add('clear'), FADE_MS);
  };
  const decoded = () => void img.decode().then(reveal, reveal);
  if (img.complete && img.naturalWidth > 0) decoded();
  else img.addEventListener('load', decoded, { once: true });
}

/**
 * Signed links expire (URL_TTL_SECONDS): an image first loaded after that, in a tab left open, is
 * refused. It then asks the API once for the image's current links.
 */
export function renewOnExpiry(img: HTMLImageElement, id: number, links: (image: Image) => { src: string; srcset: string }): void {
  img.addEventListener(
    'error',
    () => {
      api.image(id).then(
        (fresh) => {
          const renewed = links(fresh);
          img.srcset = renewed.srcset;
          img.src = renewed.src;
        },
        () => undefined,
      );
    },
    { once: true },
  );
}

function tileLinks(image: Image): { src: string; srcset: string } {
  const thumb = image.variants.thumb;
  return { src: thumb ?? image.url, srcset: [thumb ? `${thumb} 200w` : '', image.srcset].filter(Boolean).join(', ') };
}

/** Which tiles are chosen for a bulk action. */
export interface Selection {
  has(id: number): boolean;
  toggle(id: number, on: boolean): void;
}

/** A square tile of the grid: the preset widths as srcset (the thumb for small tiles), lazy; a checkbox when tiles can be selected. */
export function tile(image: Image, selection?: Selection): HTMLLIElement {
  const img = h('img', {
    ...tileLinks(image),
    sizes: '(min-width: 60rem) 14rem, (min-width: 30rem) 30vw, 45vw',
    width: 200,
    height: 200,
    alt: image.filename,
    loading: 'lazy',
    decoding: 'async',
  });
  // Shown, not read out: the picture's alt text already names the link.
  const name = h('span', { class: 'tile-name', 'aria-hidden': 'true' }, image.title ?? image.filename);
  const link = h('a', { href: `#/images/${image.id}`, class: 'tile', title: image.filename }, img, name);
  withPlaceholder(link, img, image);
  renewOnExpiry(img, image.id, tileLinks);
  const item = h('li', { 'data-id': image.id }, link);
  if (selection) {
    const box = h('input', {
      type: 'checkbox',
      class: 'select',
      checked: selection.has(image.id),
      'aria-label': `Select ${image.title ?? image.filename}`,
    });
    box.addEventListener('change', () => {
      selection.toggle(image.id, box.checked);
      item.classList.toggle('selected', box.checked);
    });
    item.classList.toggle('selected', box.checked);
    item.append(box);
  }
  return item;
}

/** Tags as a list of chips. */
export function tagChips(tags: readonly string[]): HTMLElement {
  return h('ul', { class: 'chips', 'aria-label': 'Tags' }, ...tags.map((tag) => h('li', { class: 'chip' }, tag)));
}

/** "12 images · 3.4 MB", with meters where a quota applies. */
export function usageSummary(me: Me): HTMLElement {
  const part = (used: number, limit: number, text: (n: number) => string, name: string) => {
    if (limit <= 0) return h('span', {}, text(used));
    const id = uid('meter');
    return h(
      'span',
      { class: 'quota' },
      h('label', { for: id }, `${text(used)} of ${text(limit)}`),
      h('meter', { id, min: 0, max: limit, value: used, high: limit * 0.9, title: `${name} used` }),
    );
  };
  return h(
    'p',
    { class: 'usage' },
    part(me.usage.images, me.limits.images, (n) => plural(n, 'image'), 'Images'),
    h('span', { 'aria-hidden': 'true' }, ' · '),
    part(me.usage.bytes, me.limits.bytes, formatBytes, 'Storage'),
    me.trash.images > 0 ? h('span', {}, ` (${plural(me.trash.images, 'image')} in the trash)`) : null,
  );
}
