// Share links of an image or an album: make one per recipient (expiry, password, view limit), copy
// its link and embed snippets (shown once), see the views, revoke.
import { api, type Share } from './api.js';
import { h, replace } from './dom.js';
import { formatDate } from './format.js';
import { apiForm, field } from './forms.js';
import { confirmDialog, copyField, message } from './ui.js';

function shareName(share: Share): string {
  return share.label ?? `link ${share.id}`;
}

function shareRow(share: Share, onRevoke: (share: Share) => void): HTMLElement {
  const facts = [
    `${share.views} view${share.views === 1 ? '' : 's'}${share.max_views !== null ? ` of ${share.max_views}` : ''}`,
    share.expires_at ? `expires ${formatDate(share.expires_at)}` : 'does not expire',
    share.has_password ? 'password' : null,
  ].filter(Boolean);
  return h(
    'li',
    { class: 'key' },
    h('strong', {}, shareName(share)),
    h('span', { class: 'hint' }, facts.join(', ')),
    h('button', { type: 'button', class: 'button danger', onclick: () => onRevoke(share) }, `Revoke ${shareName(share)}`),
  );
}

export function shareSection(target: { image: number } | { album: number }): HTMLElement {
  const list = h('ul', { class: 'keys', 'aria-label': 'Share links' });
  const created = h('div', {});
  const status = h('div', { 'aria-live': 'polite' });
  const refresh = async () => {
    const shares = await api.shares(target);
    replace(list, ...shares.map((share) => shareRow(share, (chosen) => void revoke(chosen))));
  };
  const revoke = async (share: Share) => {
    if (!(await confirmDialog(`Revoke ${shareName(share)}?`, 'Its link stops working at once.', 'Revoke link'))) return;
    await api.revokeShare(share.id);
    replace(status, message('info', `${shareName(share)} was revoked.`));
    await refresh();
  };
  const label = field('label', 'For whom', { type: 'text', maxlength: '200' }, 'A name for this link, so you can revoke it alone.');
  const days = field(
    'expires_at',
    'Expires after (days)',
    { type: 'number', min: '1', max: '3650', inputmode: 'numeric' },
    'Empty: never.',
  );
  const password = field('password', 'Password', { type: 'password', autocomplete: 'new-password' }, 'Optional, 8 characters or more.');
  const views = field('max_views', 'View limit', { type: 'number', min: '1', inputmode: 'numeric' }, 'Empty: no limit.');
  const download = field('allow_download', 'Allow downloading the original', { type: 'checkbox' });
  const exif = field('show_exif', 'Show camera details (EXIF)', { type: 'checkbox' }, 'Camera, lens, exposure and time.');
  const location = field('show_location', 'Show where it was taken', { type: 'checkbox' }, 'Only with camera details, where kept.');
  const indexable = field('indexable', 'Let search engines index the page', { type: 'checkbox' });
  const options = [download, exif, location, indexable];
  const form = apiForm('share', [label, days, password, views, ...options], 'Create link', async (values) => {
    const share = await api.createShare({
      ...target,
      label: values.label || null,
      expires_at: values.expires_at ? new Date(Date.now() + Number(values.expires_at) * 86_400_000).toISOString() : null,
      password: values.password || null,
      max_views: values.max_views ? Number(values.max_views) : null,
      allow_download: download.input.checked,
      show_exif: exif.input.checked,
      show_location: location.input.checked,
      indexable: indexable.input.checked,
    });
    replace(
      created,
      message('info', `${shareName(share)} was created. Copy the link now: it is shown only this once.`),
      copyField('Share link', share.url ?? ''),
      share.embed ? copyField('HTML to embed', share.embed.html) : null,
      share.embed ? copyField('Markdown', share.embed.markdown) : null,
    );
    for (const input of [label, days, password, views]) input.input.value = '';
    for (const option of options) option.input.checked = false;
    await refresh();
  });
  void refresh();
  return h(
    'section',
    { 'aria-labelledby': 'share-title', class: 'shares' },
    h('h2', { id: 'share-title' }, 'Share'),
    h('p', { class: 'hint' }, 'One link per person: each can expire, need a password, count its views, and be revoked alone.'),
    form,
    created,
    status,
    list,
  );
}
