// Webhooks: where events go, which ones, how their deliveries went; test, redeliver, enable again.
import { EVENT_TYPES } from '../../src/events/types.js';
import { api, ApiError, type Webhook, type WebhookDelivery } from './api.js';
import { h, replace, uid } from './dom.js';
import { formatDate } from './format.js';
import type { View } from './router.js';
import { confirmDialog, copyField, message } from './ui.js';

type EventType = Webhook['events'][number];

function eventChoices(): { boxes: HTMLInputElement[]; element: HTMLElement } {
  const boxes: HTMLInputElement[] = [];
  const items = EVENT_TYPES.filter((type) => type !== 'ping').map((type) => {
    const id = uid('event');
    const box = h('input', { type: 'checkbox', id, name: 'events', value: type, checked: type.startsWith('image.') });
    boxes.push(box);
    return h('li', {}, box, h('label', { for: id }, h('code', {}, type)));
  });
  return { boxes, element: h('fieldset', { class: 'scopes' }, h('legend', {}, 'Events'), h('ul', {}, ...items)) };
}

function attemptRow(attempt: WebhookDelivery, onRedeliver: () => void): HTMLElement {
  const answer = attempt.status_code === null ? (attempt.error ?? 'no answer') : `${attempt.status_code} in ${attempt.duration_ms} ms`;
  const next =
    attempt.delivery_status === 'pending' && attempt.next_attempt_at
      ? `, next try ${formatDate(attempt.next_attempt_at)}`
      : attempt.delivery_status === 'failed'
        ? ', given up'
        : '';
  return h(
    'li',
    { class: `delivery ${attempt.delivery_status}` },
    h('code', {}, attempt.event_type),
    ` attempt ${attempt.attempt}, ${formatDate(attempt.attempted_at)}: ${answer}${next} `,
    attempt.delivery_status === 'pending' ? null : h('button', { type: 'button', class: 'link-button', onclick: onRedeliver }, 'Redeliver'),
  );
}

export const webhooksView: View = async (main, nav) => {
  let hooks = await api.webhooks();
  if (!nav.current()) return;
  const list = h('ul', { class: 'keys', 'aria-label': 'Your webhooks' });
  const status = h('div', { 'aria-live': 'polite' });
  const created = h('div', {});

  const hookItem = (hook: Webhook): HTMLElement => {
    const deliveries = h('ul', { class: 'deliveries', 'aria-label': `Deliveries to ${hook.url}` });
    const loadDeliveries = async () => {
      const rows = await api.webhookDeliveries(hook.id);
      replace(
        deliveries,
        ...(rows.length === 0
          ? [h('li', { class: 'hint' }, 'No deliveries yet.')]
          : rows.map((row) =>
              attemptRow(row, () => {
                void api.redeliver(hook.id, row.delivery_id).then(() => {
                  replace(status, message('info', `The ${row.event_type} event is sent again.`));
                  setTimeout(() => void loadDeliveries(), 1000);
                });
              }),
            )),
      );
    };
    const act = async (action: () => Promise<unknown>, done: string) => {
      try {
        await action();
        replace(status, message('info', done));
        hooks = await api.webhooks();
        render();
      } catch (error) {
        replace(status, message('error', (error as Error).message));
      }
    };
    return h(
      'li',
      { class: 'key' },
      h('div', {}, h('strong', {}, hook.url), hook.active ? null : h('span', { class: 'badge' }, ' disabled')),
      h('div', { class: 'hint' }, hook.events.join(', ')),
      hook.disabled_reason ? h('div', { class: 'hint' }, hook.disabled_reason) : null,
      h(
        'div',
        { class: 'actions' },
        hook.active
          ? h(
              'button',
              { type: 'button', class: 'button', onclick: () => void act(() => api.pingWebhook(hook.id), 'A ping is on its way.') },
              'Send a test event',
            )
          : h(
              'button',
              {
                type: 'button',
                class: 'button',
                onclick: () => void act(() => api.updateWebhook(hook.id, { active: true }), 'Enabled again.'),
              },
              'Enable',
            ),
        ' ',
        h('button', { type: 'button', class: 'button', onclick: () => void loadDeliveries() }, 'Show deliveries'),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'button danger',
            onclick: async () => {
              if (await confirmDialog('Delete this webhook?', `No more events go to ${hook.url}.`, 'Delete webhook'))
                void act(() => api.deleteWebhook(hook.id), 'The webhook was deleted.');
            },
          },
          'Delete',
        ),
      ),
      deliveries,
    );
  };

  const render = () => {
    replace(list, ...(hooks.length === 0 ? [h('li', { class: 'hint' }, 'No webhooks yet.')] : hooks.map(hookItem)));
  };

  const urlId = uid('hook-url');
  const url = h('input', { id: urlId, name: 'url', type: 'url', required: true, placeholder: 'https://app.example.com/hooks/images' });
  const events = eventChoices();
  const formError = h('div', {});
  const form = h(
    'form',
    { class: 'key-form', novalidate: true },
    formError,
    h('div', { class: 'field' }, h('label', { for: urlId }, 'URL'), url),
    events.element,
    h('button', { type: 'submit', class: 'button primary' }, 'Add webhook'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(formError);
    try {
      const chosen = events.boxes.filter((box) => box.checked).map((box) => box.value as EventType);
      const result = await api.createWebhook({ url: url.value, events: chosen });
      hooks = [...hooks, result];
      render();
      url.value = '';
      replace(
        created,
        message('info', 'The webhook was added. Copy its signing secret now: it is shown only this once.'),
        copyField('Signing secret', result.secret ?? ''),
      );
    } catch (error) {
      const failure = error instanceof ApiError ? error : ApiError.fromBody(0, null);
      replace(formError, message('error', Object.values(failure.fields).flat().join(' ') || failure.message));
      url.focus();
    }
  });

  render();
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Webhooks'),
    h(
      'p',
      {},
      'Your application hears about each change as it happens: events are POSTed to your URL, signed (Standard Webhooks), ' +
        'and retried for a day.',
    ),
    h('section', { 'aria-labelledby': 'new-hook-title' }, h('h2', { id: 'new-hook-title' }, 'New webhook'), form, created),
    h('section', { 'aria-labelledby': 'hooks-title' }, h('h2', { id: 'hooks-title' }, 'Your webhooks'), list, status),
  );
};
