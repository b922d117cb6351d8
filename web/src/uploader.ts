// Uploads many files, a few at a time, each with its own progress bar and the server's verdict.
import { ApiError, sendImage, type Image } from './api.js';
import { h, replace } from './dom.js';
import { formatBytes } from './format.js';
import { filePicker } from './ui.js';

/** Parallel uploads per page: enough to overlap network and server checks, well under the server's per-user limit. */
const PARALLEL = 3;
/** A busy server (503 with Retry-After) gets the file again, this many times, after the wait it asked for. */
const BUSY_RETRIES = 3;
const LONGEST_WAIT_SECONDS = 30;

export interface UploaderOptions {
  /** Largest file the server accepts (from /me/): bigger ones are refused here without sending them. */
  maxBytes: number;
  onUploaded(image: Image): void;
}

interface Job {
  file: File;
  attempts: number;
  item: HTMLLIElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
}

export function uploader({ maxBytes, onUploaded }: UploaderOptions): HTMLElement {
  const list = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const clear = h('button', { type: 'button', class: 'link-button', hidden: true }, 'Clear finished uploads');
  const queue: Job[] = [];
  let running = 0;
  clear.addEventListener('click', () => {
    for (const item of list.querySelectorAll('li.done, li.failed')) item.remove();
    clear.hidden = true;
  });

  const finish = (job: Job, kind: 'done' | 'failed', text: string, image?: Image) => {
    job.item.classList.add(kind);
    job.progress.remove();
    replace(job.status, text, image ? ' · ' : null, image ? h('a', { href: `#/images/${image.id}` }, 'Open') : null);
    clear.hidden = false;
  };

  const pump = () => {
    while (running < PARALLEL && queue.length > 0) {
      const job = queue.shift()!;
      running++;
      job.status.textContent = 'Uploading…';
      sendImage('POST', '/images/', job.file, (sent) => {
        job.progress.value = sent;
        if (sent >= 1) {
          job.progress.removeAttribute('value'); // indeterminate while the server checks the image
          job.status.textContent = 'Checking…';
        }
      })
        .then((image) => {
          finish(job, 'done', `Uploaded (${image.width} × ${image.height})`, image);
          onUploaded(image);
        })
        .catch((error: unknown) => {
          const wait = error instanceof ApiError && error.status === 503 ? error.retryAfter : null;
          if (wait !== null && wait <= LONGEST_WAIT_SECONDS && job.attempts < BUSY_RETRIES) {
            job.attempts++;
            job.progress.value = 0;
            job.status.textContent = `The server is busy: trying again in ${wait} s…`;
            setTimeout(() => {
              queue.unshift(job);
              pump();
            }, wait * 1000);
            return;
          }
          finish(job, 'failed', error instanceof ApiError ? error.message : String(error));
        })
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  const add = (files: File[]) => {
    for (const file of files) {
      const progress = h('progress', { max: 1, value: 0 });
      const status = h('span', { class: 'upload-status' }, 'Waiting…');
      const item = h('li', {}, h('span', { class: 'upload-name' }, file.name), progress, status);
      progress.setAttribute('aria-label', `Upload of ${file.name}`);
      list.append(item);
      const job = { file, attempts: 0, item, progress, status };
      if (file.size > maxBytes) finish(job, 'failed', `Too large: ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`);
      else queue.push(job);
    }
    pump();
  };

  const zone = h(
    'section',
    { class: 'dropzone', 'aria-labelledby': 'upload-title' },
    h('h2', { id: 'upload-title' }, 'Upload'),
    h(
      'p',
      {},
      filePicker('Choose images', true, add),
      ' or drop them here. JPEG, PNG, WebP, GIF, AVIF, TIFF; up to ',
      formatBytes(maxBytes),
      ' each.',
    ),
    h('div', { 'aria-live': 'polite' }, list),
    clear,
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget as Node | null)) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    add([...(event.dataTransfer?.files ?? [])]);
  });
  return zone;
}
