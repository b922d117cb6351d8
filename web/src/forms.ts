// Forms that post to the API and show its messages next to the fields they concern.
import { ApiError } from './api.js';
import { h, replace, uid } from './dom.js';
import { message } from './ui.js';

export interface Field {
  name: string;
  input: HTMLInputElement;
  error: HTMLElement;
  element: HTMLElement;
}

export function field(name: string, label: string, attributes: Record<string, string | boolean>, hint?: string): Field {
  const id = uid(name);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h('input', { id, name, ...attributes, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') });
  const error = h('p', { id: errorId, class: 'field-error' });
  const element = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null,
    input,
    error,
  );
  return { name, input, error, element };
}

/**
 * A form whose submit calls the API with the fields' values. A refusal puts each message under its
 * field (marked invalid, the first one focused) and the rest above the form.
 */
export function apiForm(
  className: string,
  fields: Field[],
  submitLabel: string,
  submit: (values: Record<string, string>) => Promise<void>,
): HTMLFormElement {
  const general = h('div', {});
  const button = h('button', { type: 'submit', class: 'button primary' }, submitLabel);
  const form = h('form', { class: className, novalidate: true }, general, ...fields.map((f) => f.element), button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(general);
    for (const f of fields) {
      f.error.textContent = '';
      f.input.removeAttribute('aria-invalid');
    }
    button.disabled = true;
    try {
      await submit(Object.fromEntries(fields.map((f) => [f.name, f.input.value])));
    } catch (error) {
      const failure = error instanceof ApiError ? error : ApiError.fromBody(0, null);
      const invalid = fields.filter((f) => failure.fields[f.name]);
      for (const f of invalid) {
        f.error.textContent = failure.fields[f.name]!.join(' ');
        f.input.setAttribute('aria-invalid', 'true');
      }
      const rest = failure.general(invalid.map((f) => f.name));
      if (rest) replace(general, message('error', rest));
      (invalid[0]?.input ?? button).focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
