// The account: usage against quota, the API token (show, copy, regenerate), and how to use it.
import { api, type Me } from './api.js';
import { h, replace } from './dom.js';
import { apiForm, field } from './forms.js';
import type { View } from './router.js';
import { getToken, replaceToken } from './session.js';
import { confirmDialog, copyField, message, usageSummary } from './ui.js';

export const accountView: View = async (main, nav) => {
  const me: Me = await api.me();
  if (!nav.current()) return;
  const tokenArea = h('div', {});
  const status = h('div', { 'aria-live': 'polite' });
  const showToken = () => replace(tokenArea, copyField('API token', getToken() ?? '', { secret: true }));

  const regenerate = async () => {
    const confirmed = await confirmDialog(
      'Regenerate your API token?',
      'The current token stops working at once: every script, client or other browser tab that uses it will ' +
        'be refused until it is given the new one.',
      'Regenerate token',
    );
    if (!confirmed) return;
    try {
      replaceToken(await api.regenerateToken());
      showToken();
      replace(status, message('info', 'A new token was created. The old one no longer works.'));
    } catch (error) {
      replace(status, message('error', `Could not regenerate the token: ${(error as Error).message}`));
    }
  };

  const passwordStatus = h('div', { 'aria-live': 'polite' });
  const passwordFields = [
    field('old_password', 'Current password', { type: 'password', autocomplete: 'current-password', required: true }),
    field(
      'new_password',
      'New password',
      { type: 'password', autocomplete: 'new-password', required: true },
      'At least 8 characters, not only digits, not a common password.',
    ),
  ];
  const passwordForm = apiForm('password-form', passwordFields, 'Change password', async (values) => {
    replace(passwordStatus);
    replaceToken(await api.changePassword(values.old_password!, values.new_password!));
    for (const f of passwordFields) f.input.value = '';
    showToken();
    replace(passwordStatus, message('info', 'Password changed. Your API token was replaced as well: give the new one to your scripts.'));
  });

  showToken();
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Account'),
    h('p', {}, 'Signed in as ', h('strong', {}, me.username), '.'),
    h(
      'section',
      { 'aria-labelledby': 'usage-title' },
      h('h2', { id: 'usage-title' }, 'Usage'),
      usageSummary(me),
      h(
        'p',
        { class: 'hint' },
        me.limits.images > 0 || me.limits.bytes > 0
          ? 'Limits are set by the operator of this server.'
          : 'This server sets no limit on your images or storage.',
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'token-title' },
      h('h2', { id: 'token-title' }, 'API token'),
      h(
        'p',
        {},
        'Use it from scripts and other clients: ',
        h('code', {}, 'Authorization: Token <token>'),
        '. ',
        h('a', { href: '/docs' }, 'API documentation'),
        '.',
      ),
      tokenArea,
      h('p', { class: 'warning' }, 'Regenerating the token logs out every other client that uses it.'),
      h('button', { type: 'button', class: 'button danger', onclick: () => void regenerate() }, 'Regenerate token'),
      status,
    ),
    h(
      'section',
      { 'aria-labelledby': 'password-title' },
      h('h2', { id: 'password-title' }, 'Password'),
      h('p', { class: 'hint' }, 'Changing it also replaces the API token.'),
      passwordForm,
      passwordStatus,
    ),
  );
};
