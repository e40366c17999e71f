// The connect screen: the server's name, then log in, register (when open), recover a password
// by the secret question, or change a one-time password before anything else.

import { h, fill } from '../lib/dom.js';
import { api, setToken, setServerPassword, getServerPassword } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, errorText } from './ui.js';
import { languagePicker } from './language.js';

/**
 * Shows the screen in `root`. `onDone()` runs once a session is ready (token stored, password
 * fine). `mode` is 'login', 'register', 'recover' or 'change' (with `current` when known).
 */
export function showConnect(root, server, onDone, { mode = 'login', current = '', notice = '' } = {}) {
  const card = h('div.connect-card');
  const screen = h('main.connect', card);
  fill(root, screen);
  document.title = server.name;

  const go = (next, options = {}) => showConnect(root, server, onDone, { mode: next, ...options });
  const heading = h('header.connect-head',
    h('img', { src: 'favicon.svg', alt: '', class: 'connect-logo', width: 48, height: 48 }),
    h('h1.server-name', server.name),
    h('p.connect-sub', t('connect.subtitle')));
  const forms = { login: loginForm, register: registerForm, recover: recoverForm, change: changeForm };
  fill(card, heading,
    notice ? h('p.notice', { role: 'status' }, notice) : null,
    forms[mode]({ server, go, onDone, current }),
    h('footer.connect-foot', languagePicker(() => go(mode, { current }))));
  card.querySelector('input')?.focus();
}

function input(name, type = 'text', props = {}) {
  return h('input', { name, type, required: true, autocomplete: 'off', ...props });
}

/** A form whose submit runs `action`; its errors appear in the form, read out by screen readers. */
function form(name, title, fields, submitLabel, action, extra) {
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary wide' }, submitLabel);
  const el = h('form.connect-form', { 'data-form': name, novalidate: true, 'aria-label': title },
    h('h2', title), fields, error, submit, extra);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await action(el);
    } catch (failure) {
      error.textContent = typeof failure === 'string' ? failure : errorText(failure);
    } finally {
      submit.disabled = false;
    }
  });
  return el;
}

function serverPasswordField(server) {
  if (!server.serverPasswordRequired) return null;
  return field(t('connect.serverPassword'), input('serverPassword', 'password', { value: getServerPassword() || '' }),
    t('connect.serverPasswordHint'));
}

function loginForm({ server, go, onDone }) {
  const username = input('username', 'text', { autocomplete: 'username', autocapitalize: 'none' });
  const password = input('password', 'password', { autocomplete: 'current-password' });
  const links = h('p.connect-links',
    server.registrationOpen ? h('button.link', { 'data-action': 'register',
      onclick: () => go('register') }, t('connect.register')) : null,
    h('button.link', { 'data-action': 'recover', onclick: () => go('recover') },
      t('connect.forgot')));
  return form('login', t('connect.login'), [
    field(t('connect.username'), username),
    field(t('connect.password'), password),
    serverPasswordField(server),
  ], t('connect.loginButton'), async (el) => {
    const serverPassword = el.elements.serverPassword?.value || undefined;
    const login = await api('POST', 'login', { username: username.value.trim(), password: password.value, serverPassword });
    setServerPassword(serverPassword);
    setToken(login.token);
    if (login.mustChangePassword) go('change', { current: password.value, notice: t('connect.mustChange') });
    else onDone();
  }, links);
}

function registerForm({ server, go, onDone }) {
  const f = {
    username: input('username', 'text', { autocomplete: 'username', autocapitalize: 'none', minlength: 2, maxlength: 32 }),
    displayName: input('displayName', 'text', { required: false, autocomplete: 'name', maxlength: 64 }),
    email: input('email', 'email', { required: false, autocomplete: 'email', maxlength: 254 }),
    password: input('password', 'password', { autocomplete: 'new-password', minlength: 8 }),
    again: input('again', 'password', { autocomplete: 'new-password' }),
    question: input('question', 'text', { maxlength: 200, placeholder: t('connect.questionExample') }),
    answer: input('answer', 'text'),
  };
  return form('register', t('connect.registerTitle'), [
    field(t('connect.username'), f.username, t('connect.usernameHint')),
    field(t('connect.displayName'), f.displayName),
    field(t('connect.email'), f.email),
    field(t('connect.password'), f.password, t('connect.passwordHint')),
    field(t('connect.passwordAgain'), f.again),
    field(t('connect.question'), f.question, t('connect.questionHint')),
    field(t('connect.answer'), f.answer),
    serverPasswordField(server),
  ], t('connect.registerButton'), async (el) => {
    if (f.password.value !== f.again.value) throw t('connect.passwordsDiffer');
    if (!f.question.value.trim() || !f.answer.value.trim()) throw t('connect.questionRequired');
    const serverPassword = el.elements.serverPassword?.value || undefined;
    const login = await api('POST', 'register', {
      username: f.username.value.trim(), password: f.password.value, email: f.email.value.trim(),
      displayName: f.displayName.value.trim(), question: f.question.value.trim(), answer: f.answer.value,
      serverPassword,
    });
    setServerPassword(serverPassword);
    setToken(login.token);
    onDone();
  }, h('p.connect-links',
    h('button.link', { onclick: () => go('login') }, t('connect.haveAccount'))));
}

function recoverForm({ go }) {
  const username = input('username', 'text', { autocomplete: 'username', autocapitalize: 'none' });
  const step = h('div.recover-step');
  const answer = input('answer');
  const password = input('password', 'password', { autocomplete: 'new-password' });
  const again = input('again', 'password', { autocomplete: 'new-password' });
  let question = null;
  const el = form('recover', t('connect.recoverTitle'), [
    h('p.hint', t('connect.recoverIntro')),
    field(t('connect.username'), username),
    step,
  ], t('connect.recoverButton'), async () => {
    if (question === null) {
      const reply = await api('POST', 'recovery/question', { username: username.value.trim() });
      question = reply.question;
      username.readOnly = true;
      fill(step, h('p.question', h('strong', t('connect.question') + ' '), question),
        field(t('connect.answer'), answer), field(t('connect.newPassword'), password),
        field(t('connect.passwordAgain'), again));
      answer.focus();
      return;
    }
    if (password.value !== again.value) throw t('connect.passwordsDiffer');
    await api('POST', 'recovery', { username: username.value.trim(), answer: answer.value, newPassword: password.value });
    go('login', { notice: t('connect.recovered') });
  }, h('p.connect-links',
    h('button.link', { onclick: () => go('login') }, t('connect.backToLogin'))));
  return el;
}

function changeForm({ onDone, current }) {
  const old = input('current', 'password', { autocomplete: 'current-password', value: current });
  const password = input('password', 'password', { autocomplete: 'new-password', minlength: 8 });
  const again = input('again', 'password', { autocomplete: 'new-password' });
  return form('change', t('connect.changeTitle'), [
    h('p.hint', t('connect.changeIntro')),
    current ? null : field(t('connect.currentPassword'), old),
    field(t('connect.newPassword'), password, t('connect.passwordHint')),
    field(t('connect.passwordAgain'), again),
  ], t('connect.changeButton'), async () => {
    if (password.value !== again.value) throw t('connect.passwordsDiffer');
    if (password.value === old.value) throw t('connect.passwordSame');
    await api('PUT', 'me/password', { current: old.value, new: password.value });
    onDone();
  });
}
