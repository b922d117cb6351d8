// Sign in and sign up: plain forms, the server's messages shown next to the field they concern.
import { ApiError, api } from './api.js';
import { h, replace, uid } from './dom.js';
import { go, type View } from './router.js';
import { setToken } from './session.js';
import { message } from './ui.js';

interface Field {
  name: string;
  input: HTMLInputElement;
  error: HTMLElement;
  element: HTMLElement;
}

function field(name: string, label: string, attributes: Record<string, string | boolean>, hint?: string): Field {
  const id = uid(name);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h('input', { id, name, ...attributes, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') });
  const error = h('p', { id: errorId, class: 'field-error' });
  const element = h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { id: hintId, class: 'hint' }, hint) : null, input, error);
  return { name, input, error, element };
}

function authForm(title: string, submitLabel: string, fields: Field[], submit: (values: Record<string, string>) => Promise<string>, footer: HTMLElement): View {
  return (main, nav) => {
    const general = h('div', {});
    const button = h('button', { type: 'submit', class: 'button primary' }, submitLabel);
    const form = h('form', { class: 'card auth', novalidate: true }, general, ...fields.map((f) => f.element), button);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      replace(general);
      for (const f of fields) {
        f.error.textContent = '';
        f.input.removeAttribute('aria-invalid');
      }
      button.disabled = true;
      try {
        setToken(await submit(Object.fromEntries(fields.map((f) => [f.name, f.input.value]))));
        if (nav.current()) go('/');
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
    replace(main, h('h1', { tabindex: -1 }, title), form, footer);
  };
}

export const signInView: View = (main, nav) =>
  authForm(
    'Sign in',
    'Sign in',
    [
      field('username', 'Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    ],
    (values) => api.signIn(values.username!, values.password!),
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Create an account')),
  )(main, nav);

export const signUpView: View = (main, nav) =>
  authForm(
    'Create an account',
    'Create account',
    [
      field('username', 'Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', maxlength: '150' }, 'Letters, digits and @ . + - _ only.'),
      field('email', 'Email (optional)', { type: 'email', autocomplete: 'email' }),
      field('password', 'Password', { type: 'password', autocomplete: 'new-password', required: true }, 'At least 8 characters, not only digits, not a common password.'),
    ],
    (values) => api.register(values.username!, values.password!, values.email!),
    h('p', {}, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')),
  )(main, nav);
