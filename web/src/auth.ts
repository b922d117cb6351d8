// Sign in and sign up: plain forms, the server's messages shown next to the field they concern.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { apiForm, field, type Field } from './forms.js';
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

/** What this is, for someone who arrives at the sign-in page. */
function intro(): HTMLElement {
  return h(
    'p',
    { class: 'intro' },
    'image-api keeps your images private: upload them, find them by words and tags, put them in albums, ',
    'resize and convert them on the fly, and publish exactly the ones you choose with links you can revoke.',
  );
}

/**
 * A page that trades credentials for the token: the intro, the form with "keep me signed in" before
 * its button, and a link to the other page. Signed in, it goes where the user was headed.
 */
function credentialsView(
  heading: string,
  fields: Field[],
  submitLabel: string,
  obtainToken: (values: Record<string, string>) => Promise<string>,
  other: { question: string; href: string; label: string },
): View {
  return (main, nav) => {
    const keep = keepSignedIn();
    const form = apiForm('card auth', fields, submitLabel, async (values) => {
      setToken(await obtainToken(values), keep.checked());
      if (nav.current()) go(takeDestination());
    });
    form.insertBefore(keep.element, form.querySelector('button[type=submit]'));
    replace(
      main,
      h('h1', { tabindex: -1 }, heading),
      intro(),
      form,
      h('p', {}, `${other.question} `, h('a', { href: other.href }, other.label)),
    );
  };
}

export const signInView: View = (main, nav) =>
  credentialsView(
    'Sign in',
    [
      field('username', 'Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    ],
    'Sign in',
    (values) => api.signIn(values.username!, values.password!),
    { question: 'New here?', href: '#/signup', label: 'Create an account' },
  )(main, nav);

export const signUpView: View = (main, nav) =>
  credentialsView(
    'Create an account',
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
    (values) => api.register(values.username!, values.password!, values.email!),
    { question: 'Already have an account?', href: '#/signin', label: 'Sign in' },
  )(main, nav);
