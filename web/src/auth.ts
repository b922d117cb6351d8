// Sign in and sign up: plain forms, the server's messages shown next to the field they concern.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { apiForm, field } from './forms.js';
import { go, type View } from './router.js';
import { setToken } from './session.js';

export const signInView: View = (main, nav) => {
  const form = apiForm(
    'card auth',
    [
      field('username', 'Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    ],
    'Sign in',
    async (values) => {
      setToken(await api.signIn(values.username!, values.password!));
      if (nav.current()) go('/');
    },
  );
  replace(main, h('h1', { tabindex: -1 }, 'Sign in'), form, h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Create an account')));
};

export const signUpView: View = (main, nav) => {
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
      setToken(await api.register(values.username!, values.password!, values.email!));
      if (nav.current()) go('/');
    },
  );
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Create an account'),
    form,
    h('p', {}, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')),
  );
};
