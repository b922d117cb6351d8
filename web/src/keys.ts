// API keys: one per integration, each with only the scopes it needs; the secret is shown once.
import type { Scope } from '../../src/auth/scopes.js';
import { SCOPE_DESCRIPTIONS, SCOPES } from '../../src/auth/scopes.js';
import { api, ApiError, type Key } from './api.js';
import { h, replace, uid } from './dom.js';
import { formatDate } from './format.js';
import type { View } from './router.js';
import { confirmDialog, copyField, message } from './ui.js';

function scopeChoices(): { boxes: HTMLInputElement[]; element: HTMLElement } {
  const boxes: HTMLInputElement[] = [];
  const items = SCOPES.filter((scope) => scope !== 'admin').map((scope: Scope) => {
    const id = uid('scope');
    const box = h('input', { type: 'checkbox', id, name: 'scopes', value: scope, checked: scope === 'images:read' });
    boxes.push(box);
    return h('li', {}, box, h('label', { for: id }, h('code', {}, scope), ' — ', SCOPE_DESCRIPTIONS[scope]));
  });
  const element = h('fieldset', { class: 'scopes' }, h('legend', {}, 'What it may do'), h('ul', {}, ...items));
  return { boxes, element };
}

function keyRow(key: Key, onRevoke: (key: Key) => void): HTMLElement {
  const used = key.last_used_at
    ? `last used ${formatDate(key.last_used_at)}${key.last_used_from ? ` from ${key.last_used_from}` : ''}`
    : 'never used';
  const expiry = key.expires_at ? `expires ${formatDate(key.expires_at)}` : 'does not expire';
  return h(
    'li',
    { class: 'key' },
    h('div', {}, h('strong', {}, key.name), ' ', h('code', {}, `${key.prefix}…`)),
    h('div', { class: 'hint' }, key.scopes.join(', ')),
    h('div', { class: 'hint' }, `Created ${formatDate(key.created_at)}, ${used}, ${expiry}.`),
    h('button', { type: 'button', class: 'button danger', onclick: () => onRevoke(key) }, `Revoke ${key.name}`),
  );
}

export const keysView: View = async (main, nav) => {
  const keys = await api.keys();
  if (!nav.current()) return;
  const list = h('ul', { class: 'keys', 'aria-label': 'Your API keys' });
  const status = h('div', { 'aria-live': 'polite' });
  const created = h('div', {});
  let current = keys;

  const render = () => {
    replace(list, ...current.map((key) => keyRow(key, (key) => void revoke(key))));
    if (current.length === 0) replace(list, h('li', { class: 'hint' }, 'No keys yet.'));
  };
  const revoke = async (key: Key) => {
    const confirmed = await confirmDialog(`Revoke ${key.name}?`, 'Whatever uses this key is refused from its next request.', 'Revoke key');
    if (!confirmed) return;
    try {
      await api.revokeKey(key.id);
      current = current.filter((candidate) => candidate.id !== key.id);
      render();
      replace(status, message('info', `${key.name} was revoked.`));
    } catch (error) {
      replace(status, message('error', `Could not revoke the key: ${(error as Error).message}`));
    }
  };

  const nameId = uid('key-name');
  const expiryId = uid('key-expiry');
  const name = h('input', { id: nameId, name: 'name', required: true, maxlength: 100, placeholder: 'blog build, phone, backup' });
  const expiry = h('input', { id: expiryId, name: 'expires', type: 'date' });
  const scopes = scopeChoices();
  const formError = h('div', {});
  const form = h(
    'form',
    { class: 'key-form', novalidate: true },
    formError,
    h('div', { class: 'field' }, h('label', { for: nameId }, 'Name'), name),
    scopes.element,
    h('div', { class: 'field' }, h('label', { for: expiryId }, 'Expires on (optional)'), expiry),
    h('button', { type: 'submit', class: 'button primary' }, 'Create key'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(formError);
    const chosen = scopes.boxes.filter((box) => box.checked).map((box) => box.value as Scope);
    try {
      const expiresAt = expiry.value ? new Date(`${expiry.value}T23:59:59`).toISOString() : null;
      const result = await api.createKey(name.value, chosen, expiresAt);
      current = [...current, result];
      render();
      name.value = '';
      replace(
        created,
        message('info', `${result.name} was created. Copy the key now: it is shown only this once.`),
        copyField('New API key', result.key),
        h('p', { class: 'hint' }, 'Send it as ', h('code', {}, 'Authorization: Bearer <key>'), '.'),
      );
      created.querySelector('input')?.focus();
    } catch (error) {
      const failure = error instanceof ApiError ? error : ApiError.fromBody(0, null);
      replace(formError, message('error', Object.values(failure.fields).flat().join(' ') || failure.message));
      name.focus();
    }
  });

  render();
  replace(
    main,
    h('h1', { tabindex: -1 }, 'API keys'),
    h(
      'p',
      {},
      'Give each script or app its own key with only what it needs: a blog build that only reads, a phone that only uploads. ',
      'Revoking one leaves the others working.',
    ),
    h('section', { 'aria-labelledby': 'new-key-title' }, h('h2', { id: 'new-key-title' }, 'New key'), form, created),
    h('section', { 'aria-labelledby': 'keys-title' }, h('h2', { id: 'keys-title' }, 'Your keys'), list, status),
  );
};
