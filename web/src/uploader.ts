// Uploads many files, a few at a time, each with its own progress bar and the server's verdict.
// Large files go through resumable uploads (tus): they can be paused, survive a dropped connection
// (retried automatically) and a reload (adding the same file again resumes where it stopped).
import type { DetailedError, Upload as TusUpload } from 'tus-js-client';
import { ApiError, importFromUrl, sendImage, type Image } from './api.js';
import { h, replace } from './dom.js';
import { formatBytes } from './format.js';
import { getToken } from './session.js';
import { filePicker } from './ui.js';

/** Files above this go through resumable uploads, in chunks of this size. */
const RESUMABLE_ABOVE = 5 * 1024 * 1024;
const CHUNK_BYTES = 5 * 1024 * 1024;
/** After a dropped connection, tries again after these waits (ms) before giving up. */
const RESUME_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, 60_000];

/** Parallel uploads per page: enough to overlap network and server checks, well under the server's per-user limit. */
const PARALLEL = 3;
/** A busy server (503 with Retry-After) gets the file again, this many times, after the wait it asked for. */
const BUSY_RETRIES = 3;
const LONGEST_WAIT_SECONDS = 30;

export interface UploaderOptions {
  /** Largest file the server accepts in one request (from /me/). */
  maxBytes: number;
  /** Largest file it accepts through resumable uploads: bigger ones are refused here without sending them. */
  maxResumableBytes: number;
  onUploaded(image: Image): void;
}

interface Job {
  file: File;
  attempts: number;
  item: HTMLLIElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
}

/** The server's answer inside a tus client error, as the API's own error. */
function tusError(error: Error): ApiError {
  const response = (error as DetailedError).originalResponse;
  if (!response) return ApiError.fromBody(0, null);
  let body: unknown;
  try {
    body = JSON.parse(response.getBody());
  } catch {
    body = null;
  }
  return ApiError.fromBody(response.getStatus(), body, response.getHeader('retry-after') ?? null);
}

let tusModule: Promise<{ Upload: typeof TusUpload }> | null = null;

/** The tus client, loaded on first use from the fingerprinted module index.html names. */
function loadTus(): Promise<{ Upload: typeof TusUpload }> {
  const url = document.querySelector<HTMLMetaElement>('meta[name="tus-client"]')?.content;
  if (!url) return Promise.reject(new Error('The resumable upload client is missing from this page.'));
  tusModule ??= import(url) as Promise<{ Upload: typeof TusUpload }>;
  return tusModule;
}

/** A resumable upload with a pause/resume button; resolves with the image the last chunk's answer holds. */
async function sendResumable(job: Job, onProgress: (sent: number) => void): Promise<Image> {
  const { Upload } = await loadTus();
  return new Promise((resolve, reject) => {
    const pause = h('button', { type: 'button', class: 'link-button' }, 'Pause');
    let paused = false;
    const upload = new Upload(job.file, {
      endpoint: '/uploads/',
      chunkSize: CHUNK_BYTES,
      retryDelays: RESUME_DELAYS,
      metadata: { filename: job.file.name },
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (request) => {
        const token = getToken();
        if (token) request.setHeader('authorization', `Token ${token}`);
      },
      onProgress: (sent, total) => onProgress(total > 0 ? sent / total : 0),
      onSuccess: ({ lastResponse }) => {
        pause.remove();
        try {
          resolve(JSON.parse(lastResponse.getBody()) as Image);
        } catch {
          reject(ApiError.fromBody(lastResponse.getStatus(), null));
        }
      },
      onError: (error) => {
        pause.remove();
        reject(tusError(error));
      },
    });
    pause.addEventListener('click', () => {
      paused = !paused;
      pause.textContent = paused ? 'Resume' : 'Pause';
      job.status.textContent = paused ? 'Paused' : 'Uploading…';
      if (paused) void upload.abort();
      else upload.start();
    });
    job.item.append(pause);
    // The same file added again after a reload or a failure continues where it stopped.
    void upload.findPreviousUploads().then((previous) => {
      if (previous[0]) {
        upload.resumeFromPreviousUpload(previous[0]);
        job.status.textContent = 'Resuming…';
      }
      upload.start();
    });
  });
}

export function uploader({ maxBytes, maxResumableBytes, onUploaded }: UploaderOptions): HTMLElement {
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
      const onProgress = (sent: number) => {
        job.progress.value = sent;
        if (sent >= 1) {
          job.progress.removeAttribute('value'); // indeterminate while the server checks the image
          job.status.textContent = 'Checking…';
        }
      };
      const resumable = job.file.size > RESUMABLE_ABOVE || job.file.size > maxBytes;
      (resumable ? sendResumable(job, onProgress) : sendImage('POST', '/images/', job.file, onProgress))
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

  const entry = (name: string) => {
    const progress = h('progress', { max: 1, value: 0 });
    const status = h('span', { class: 'upload-status' }, 'Waiting…');
    const item = h('li', {}, h('span', { class: 'upload-name' }, name), progress, status);
    progress.setAttribute('aria-label', `Upload of ${name}`);
    list.append(item);
    return { item, progress, status };
  };

  const add = (files: File[]) => {
    for (const file of files) {
      const job = { file, attempts: 0, ...entry(file.name) };
      if (file.size > maxResumableBytes) {
        finish(job, 'failed', `Too large: ${formatBytes(file.size)}; the limit is ${formatBytes(maxResumableBytes)}.`);
      } else queue.push(job);
    }
    pump();
  };

  const urlInput = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://…', autocomplete: 'off' });
  const urlForm = h(
    'form',
    { class: 'url-import' },
    h('label', {}, 'Add from a URL ', urlInput),
    ' ',
    h('button', { type: 'submit', class: 'button' }, 'Add'),
  );
  urlForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = urlInput.value.trim();
    if (!url) return;
    urlInput.value = '';
    const parts = entry(url);
    const job = { file: new File([], url), attempts: 0, ...parts };
    parts.progress.removeAttribute('value');
    parts.status.textContent = 'Fetching…';
    importFromUrl(url)
      .then((image) => {
        finish(job, 'done', `Added (${image.width} × ${image.height})`, image);
        onUploaded(image);
      })
      .catch((error: unknown) => finish(job, 'failed', error instanceof ApiError ? error.message : String(error)));
  });

  const zone = h(
    'section',
    { class: 'dropzone', 'aria-labelledby': 'upload-title' },
    h('h2', { id: 'upload-title' }, 'Upload'),
    h(
      'p',
      {},
      filePicker('Choose images', true, add),
      ' or drop them here. JPEG, PNG, WebP, GIF, AVIF, TIFF; up to ',
      formatBytes(maxResumableBytes),
      ' each (large files can be paused and resume after a dropped connection).',
    ),
    urlForm,
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
