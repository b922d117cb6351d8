// One image: the picture, what is known about it, its links, and replace / delete.
import { ApiError, api, sendImage, type Image } from './api.js';
import { h, replace, type Child } from './dom.js';
import { formatBytes, formatDate, formatLocalTime } from './format.js';
import { apiForm, field } from './forms.js';
import { flash, go, type View } from './router.js';
import { shareSection } from './share.js';
import { confirmDialog, copyField, filePicker, message, renewOnExpiry, tagChips, withPlaceholder } from './ui.js';

/** What each default preset produces, for the link labels; other presets show their name only. */
function presetLabel(name: string, url: string): string {
  const query = new URL(url).searchParams;
  const size = query.get('h') ? `${query.get('w')}×${query.get('h')}` : `${query.get('w')} wide`;
  return query.get('w') ? `${name} (${size}${query.get('fit') === 'cover' ? ', cropped' : ''})` : name;
}

function facts(image: Image): HTMLElement {
  const rows: [string, Child][] = [
    ['Dimensions', `${image.width} × ${image.height} px`],
    ['Size', formatBytes(image.bytes)],
    [
      'Format',
      image.format.toUpperCase() +
        (image.animated ? `, animated (${image.frames} frames)` : '') +
        (image.has_alpha ? ', with transparency' : ''),
    ],
  ];
  const exif = image.exif;
  if (exif?.camera) rows.push(['Camera', exif.camera]);
  if (exif?.lens) rows.push(['Lens', exif.lens]);
  if (exif?.taken_at) rows.push(['Taken', formatLocalTime(exif.taken_at)]);
  if (exif?.exposure) rows.push(['Exposure', exif.exposure]);
  if (exif?.location) rows.push(['Location', `${exif.location.latitude.toFixed(5)}, ${exif.location.longitude.toFixed(5)}`]);
  rows.push(['Uploaded', formatDate(image.created_at)]);
  if (image.updated_at !== image.created_at) rows.push(['Replaced', formatDate(image.updated_at)]);
  rows.push(['SHA-256', h('code', {}, image.sha256)]);
  if (image.tags.length > 0) rows.push(['Tags', tagChips(image.tags)]);
  if (image.albums.length > 0)
    rows.push([
      'Albums',
      h('span', {}, ...image.albums.flatMap((album, i) => [i > 0 ? ', ' : '', h('a', { href: `#/albums/${album}` }, `Album ${album}`)])),
    ]);
  if (image.trashed_at) rows.push(['In the trash since', formatDate(image.trashed_at)]);
  if (image.expires_at) rows.push(['Deleted on', formatDate(image.expires_at)]);
  return h('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

/** Title, description and tags, saved with PATCH; the server's messages appear at their fields. */
function labelsForm(image: Image, saved: (image: Image) => void): HTMLFormElement {
  const title = field('title', 'Title', { type: 'text', value: image.title ?? '', maxlength: '200' });
  const description = field('description', 'Description', { type: 'text', value: image.description ?? '' });
  const tags = field(
    'tags',
    'Tags',
    { type: 'text', value: image.tags.join(', ') },
    'Separated by commas; letters, digits, spaces and - _ . :',
  );
  return apiForm('labels', [title, description, tags], 'Save details', async (values) => {
    const updated = await api.updateImage(image.id, {
      title: values.title || null,
      description: values.description || null,
      tags: (values.tags ?? '')
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
    });
    saved(updated);
  });
}

function pictureLinks(image: Image): { src: string; srcset: string } {
  return { src: image.variants.medium ?? image.url, srcset: image.srcset };
}

function picture(image: Image): HTMLElement {
  const img = h('img', {
    ...pictureLinks(image),
    sizes: '(min-width: 64rem) 60rem, 100vw',
    width: image.width,
    height: image.height,
    alt: image.filename,
    decoding: 'async',
  });
  const frame = h('div', { class: 'picture' }, img);
  if (image.focal_point) {
    // The subject that focal crops keep, as a ring over the picture.
    const marker = h('span', { class: 'focal-marker', 'aria-hidden': 'true' });
    marker.style.left = `${image.focal_point.x * 100}%`;
    marker.style.top = `${image.focal_point.y * 100}%`;
    frame.append(marker);
  }
  // As wide as the column allows and no taller than most of the screen, at the image's own ratio.
  frame.style.width = `min(100%, ${image.width}px, calc(70vh * ${image.width / image.height}))`;
  frame.style.aspectRatio = `${image.width} / ${image.height}`;
  withPlaceholder(frame, img, image);
  renewOnExpiry(img, image.id, pictureLinks);
  return frame;
}

function links(image: Image): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'links-title' },
    h('h2', { id: 'links-title' }, 'Links'),
    h(
      'p',
      { class: 'hint' },
      `Signed links: anyone who has one can view the image until ${formatDate(image.url_expires_at)}. Replacing ` +
        `or deleting the image ends them at once.`,
    ),
    copyField('Original', image.url),
    ...offeredPresets(image).map(([name, url]) => copyField(presetLabel(name, url), url)),
    h('h3', {}, 'Embed'),
    h(
      'p',
      { class: 'hint' },
      'Ready to paste; the links in them expire with the signed links above. For a link that lasts, share the image.',
    ),
    copyField('HTML', embedHtml(image)),
    copyField('Markdown', `![${markdownText(image.title ?? image.filename)}](${image.variants.medium ?? image.url})`),
  );
}

/** A preset that would only give the image back as it is (it is never enlarged) is not worth offering; your own always are. */
function offeredPresets(image: Image): [string, string][] {
  return Object.entries(image.variants).filter(([, url]) => {
    const query = new URL(url).searchParams;
    if (query.has('preset')) return true;
    const width = Number(query.get('w') ?? 0);
    const height = Number(query.get('h') ?? 0);
    return (width > 0 && width < image.width) || (height > 0 && height < image.height);
  });
}

/**
 * Every preset of the image as it renders now, once asked for (each is a render on the server). After
 * the subject moved, the same links give new pictures, so they are fetched past the browser's cache
 * and shown from that answer.
 */
function presetPreviews(image: Image, fresh: boolean, open: boolean, onToggle: (open: boolean) => void): HTMLElement {
  const figures = Object.entries(image.variants).map(([name, url]) => {
    const preview = h('img', { alt: `The ${name} preset`, class: 'preset-preview' }) as HTMLImageElement;
    const load = () => {
      if (!fresh) {
        preview.src = url;
        return;
      }
      void fetch(url, { cache: 'reload' })
        .then(async (response) => {
          preview.src = URL.createObjectURL(await response.blob());
        })
        .catch(() => {
          preview.src = url;
        });
    };
    return { figure: h('figure', {}, preview, h('figcaption', {}, name)), load };
  });
  const details = h(
    'details',
    { class: 'presets' },
    h('summary', {}, h('h2', { class: 'inline' }, 'Presets')),
    h('p', { class: 'hint' }, "How each preset shows this image: the server's and your own (made with the API's /presets/)."),
    h('div', { class: 'preset-previews' }, ...figures.map(({ figure }) => figure)),
  ) as HTMLDetailsElement;
  let loaded = false;
  const show = () => {
    if (loaded || !details.open) return;
    loaded = true;
    for (const { load } of figures) load();
  };
  details.addEventListener('toggle', () => {
    onToggle(details.open);
    show();
  });
  details.open = open;
  show();
  return details;
}

function embedHtml(image: Image): string {
  const alt = (image.title ?? image.filename).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const src = image.variants.medium ?? image.url;
  const srcset = image.srcset ? ` srcset="${image.srcset}" sizes="(min-width: 60rem) 50vw, 100vw"` : '';
  return `<img src="${src}"${srcset} width="${image.width}" height="${image.height}" alt="${alt}" loading="lazy">`;
}

function markdownText(text: string): string {
  return text.replace(/[[\]\\]/g, (c) => `\\${c}`);
}

export const detailView: View = async (main, nav) => {
  const id = Number(nav.params.id);
  let image: Image;
  try {
    image = await api.image(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(
        main,
        h('h1', { tabindex: -1 }, 'Image not found'),
        h('p', {}, 'It was deleted, or it is not yours. ', h('a', { href: '#/' }, 'Back to your images')),
      );
      return;
    }
    throw error;
  }
  if (!nav.current()) return;

  const status = h('div', { class: 'action-status', 'aria-live': 'polite' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Replace progress' });
  const view = h('div', { class: 'detail' });

  const replaceWith = async ([file]: File[]) => {
    if (!file) return;
    replace(status, message('info', `Replacing with ${file.name}…`));
    progress.hidden = false;
    progress.value = 0;
    try {
      image = await sendImage('PUT', `/images/${id}/`, file, (sent) => {
        if (sent >= 1) progress.removeAttribute('value');
        else progress.value = sent;
      });
      if (!nav.current()) return;
      render();
      replace(status, message('info', `Replaced with ${file.name}.`));
    } catch (error) {
      replace(status, message('error', `${file.name} was not accepted: ${(error as Error).message} The image is unchanged.`));
    } finally {
      progress.hidden = true;
    }
  };

  const remove = async () => {
    if (
      !(await confirmDialog(
        `Delete ${image.filename}?`,
        'The image and all its links are removed for good. This cannot be undone.',
        'Delete',
      ))
    )
      return;
    try {
      await api.deleteImage(id);
      flash(`Deleted ${image.filename}.`);
      go('/');
    } catch (error) {
      replace(status, message('error', `Could not delete: ${(error as Error).message}`));
    }
  };

  const moveToTrash = async () => {
    try {
      image = image.trashed_at ? await api.restoreImage(id) : await api.trashImage(id);
      if (!nav.current()) return;
      render();
      replace(status, message('info', image.trashed_at ? 'Moved to the trash: its links stop working until you restore it.' : 'Restored.'));
    } catch (error) {
      replace(status, message('error', (error as Error).message));
    }
  };
  const trashButton = h('button', { type: 'button', class: 'button', onclick: () => void moveToTrash() });

  const actions = h(
    'div',
    { class: 'actions' },
    filePicker('Replace…', false, (files) => void replaceWith(files)),
    trashButton,
    h('button', { type: 'button', class: 'button danger', onclick: () => void remove() }, 'Delete'),
  );
  const labelsSlot = h('div', {});
  const pictureSlot = h('div', { class: 'picture-slot' });
  const subjectSlot = h('div', { class: 'subject' });
  let picking = false;
  const saveSubject = async (point: { x: number; y: number } | null) => {
    try {
      image = await api.updateImage(id, { focal_point: point });
      if (!nav.current()) return;
      picking = false;
      render(true);
      replace(status, message('info', point ? 'Subject saved: crops with position=focal keep it.' : 'Subject cleared.'));
    } catch (error) {
      replace(status, message('error', (error as Error).message));
    }
  };
  const subjectControls = () => {
    const choose = h(
      'button',
      {
        type: 'button',
        class: 'button',
        'aria-pressed': String(picking),
        onclick: () => {
          picking = !picking;
          pictureSlot.classList.toggle('picking', picking);
          replace(subjectSlot, ...subjectControls());
        },
      },
      picking ? 'Click the subject on the picture…' : 'Set the subject',
    );
    const clear = image.focal_point
      ? h('button', { type: 'button', class: 'button', onclick: () => void saveSubject(null) }, 'Clear the subject')
      : null;
    const where = image.focal_point
      ? `Subject at ${Math.round(image.focal_point.x * 100)} % across, ${Math.round(image.focal_point.y * 100)} % down.`
      : 'No subject set: crops keep the centre.';
    return [h('p', { class: 'hint' }, where), h('div', { class: 'actions' }, choose, clear)];
  };
  pictureSlot.addEventListener('click', (event) => {
    if (!picking) return;
    const box = (pictureSlot.querySelector('.picture') as HTMLElement).getBoundingClientRect();
    const fraction = (value: number) => Math.min(1, Math.max(0, Math.round(value * 1000) / 1000));
    void saveSubject({ x: fraction((event.clientX - box.left) / box.width), y: fraction((event.clientY - box.top) / box.height) });
  });

  // Replacing redraws the picture, the facts and the links; the controls stay, and keep the focus.
  const title = h('h1', { tabindex: -1, class: 'filename' });
  const factsSlot = h('div', {});
  const linksSlot = h('div', { class: 'links' });
  const previewsSlot = h('div', { class: 'links' });
  // The previews stay open across redraws once opened (a subject set, a replace).
  let previewsOpen = false;
  const render = (fresh = false) => {
    title.textContent = image.title ?? image.filename;
    document.title = `${title.textContent} · image-api`;
    replace(pictureSlot, picture(image));
    replace(factsSlot, facts(image));
    replace(linksSlot, links(image));
    replace(
      previewsSlot,
      presetPreviews(image, fresh, previewsOpen, (open) => {
        previewsOpen = open;
      }),
    );
    trashButton.textContent = image.trashed_at ? 'Restore' : 'Move to trash';
    pictureSlot.classList.toggle('picking', picking);
    replace(subjectSlot, ...subjectControls());
    replace(
      labelsSlot,
      labelsForm(image, (updated) => {
        image = updated;
        render();
        replace(status, message('info', 'Details saved.'));
      }),
    );
  };
  render();
  replace(
    view,
    pictureSlot,
    h(
      'div',
      { class: 'side' },
      h('h2', { class: 'visually-hidden' }, 'Details'),
      factsSlot,
      labelsSlot,
      h('h3', {}, 'Subject'),
      subjectSlot,
      actions,
      progress,
      status,
    ),
    linksSlot,
    previewsSlot,
  );
  replace(main, h('p', { class: 'back' }, h('a', { href: '#/' }, '← All images')), title, view, shareSection({ image: id }));
};
