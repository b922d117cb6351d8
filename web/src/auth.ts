// Sign in and sign up: plain forms, the server's messages shown next to the field they concern.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { apiForm, field } from './forms.js';
import { go, type View } from './router.js';
import { setToken, takeDestination } from './session.js';

/** "Keep me signed in": the token is kept for the browser, not only the tab. Off by default (shared computers). */
function keepSignedIn(): { element: HTMLElement; checked: () => boolean } {
  const input = h('input', { type: 'checkbox', id: 'keep-signed-in', name: 'keep' });
  const element = h(
    'div',
    { class: 'field checkbox' },
    input,
    h('label', { for: 'keep-signed-in' }, 'Keep me signed in on this device'),
    h('p', { class: 'hint' }, 'Every tab and reload stays signed in until you sign out. Leave it off on a shared computer.'),
  );
  return { element, checked: () => input.checked };
}

/** Appends the checkbox before the form's button. */
function withKeep(form: HTMLFormElement, keep: { element: HTMLElement }): HTMLFormElement {
  form.insertBefore(keep.element, form.querySelector('button[type=submit]'));
  return form;
}

/** What this is, for someone who arrives at the sign-in page. */
function intro(): HTMLElement {
  return h(
    'p',
    { class: 'intro' },
    'image-api keeps your images private: upload them, find them by words and tags, put them in albums, ',
    'resize and convert them on the fly, and publish exactly the ones you choose with links you can revoke.',
  );
}

export const signInView: View = (main, nav) => {
  const keep = keepSignedIn();
  const form = apiForm(
    'card auth',
    [
      field('username', 'Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    ],
    'Sign in',
    async (values) => {
      setToken(await api.signIn(values.username!, values.password!), keep.checked());
      if (nav.current()) go(takeDestination());
    },
  );
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Sign in'),
    intro(),
    withKeep(form, keep),
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Create an account')),
  );
};

export const signUpView: View = (main, nav) => {
  const keep = keepSignedIn();
  const form = apiForm(
    'card auth',
    [
      field(
        'username',
        'Username',
        { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', maxlength: '150' },
        'Letters, digits and @ . + - _ only.',
      ),
      field('email', 'Email (optional)', { type: 'email', autocomplete: 'email' }),
      field(
        'password',
        'Password',
        { type: 'password', autocomplete: 'new-password', required: true },
        'At least 8 characters, not only digits, not a common password.',
      ),
    ],
    'Create account',
    async (values) => {
      setToken(await api.register(values.username!, values.password!, values.email!), keep.checked());
      if (nav.current()) go(takeDestination());
    },
  );
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Create an account'),
    intro(),
    withKeep(form, keep),
    h('p', {}, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')),
  );
};
