// The connect screen: log in, register, recover by the secret question, change a one-time password.

import { h, fill } from '../lib/dom.js';
import { api, setToken, setServerPassword, getServerPassword } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, submitting } from './ui.js';
import { languagePicker } from './language.js';
import { openClientFile, redeem } from './join.js';

const NEW_PASSWORD = { type: 'password', autocomplete: 'new-password' };

/**
 * `onDone()` runs once a session is ready; `mode`: login, register, recover, change, or join (an
 * invitation opened: `join` is what `openClientFile` gave).
 */
export function showConnect(root, server, onDone, { mode = 'login', current = '', notice = '', join = null } = {}) {
	const go = (next, options = {}) => showConnect(root, server, onDone, { mode: next, ...options });
	const card = h('div.connect-card',
		h('header.connect-head', h('img.connect-logo', { src: 'favicon.svg', alt: '', width: 48, height: 48 }),
			h('h1.server-name', server.name), h('p.connect-sub', t('connect.subtitle'))),
		notice ? h('p.notice', { role: 'status' }, notice) : null,
		FORMS[mode]({ server, go, onDone, current, join }),
		h('footer.connect-foot', languagePicker(() => go(mode, { current, join }))));
	fill(root, h('main.connect', card));
	document.title = server.name;
	card.querySelector('input')?.focus();
}

/**
 * A form of [name, label key, props, hint key] fields whose submit runs `action(values)`.
 */
function form(name, fields, action, links = []) {
	const error = h('p.form-error', { role: 'alert' });
	const submit = h('button.button.primary.wide', { type: 'submit' }, t(`connect.${name}Button`));
	const el = h('form.connect-form', { 'data-form': name, novalidate: true, 'aria-label': t(`connect.${name}Title`) },
		h('h2', t(`connect.${name}Title`)),
		fields.filter(Boolean).map(([key, label, props = {}, hint]) => field(t(label),
			h('input', { name: key, required: true, autocomplete: 'off', ...props }), hint && t(hint))),
		error, submit,
		links.length ? h('p.connect-links', links.map((link) => (link instanceof Node ? link
			: h('button.link', { 'data-action': link[2], onclick: link[1] }, t(link[0]))))) : null);
	submitting(el, error, () => action(Object.fromEntries([...el.elements].filter((e) => e.name).map((e) => [e.name, e.value]))));
	return el;
}

const serverPassword = (server) => server.serverPasswordRequired
	&& ['serverPassword', 'connect.serverPassword', { type: 'password', value: getServerPassword() || '' }, 'connect.serverPasswordHint'];

/** Stores the session (and the server password that let it in), then goes on. */
function started(login, values) {
	setServerPassword(values.serverPassword);
	setToken(login.token);
	return login;
}

const FORMS = {
	login: ({ server, go, onDone }) => form('login', [
		['username', 'connect.username', { autocomplete: 'username', autocapitalize: 'none' }],
		['password', 'connect.password', { type: 'password', autocomplete: 'current-password' }],
		serverPassword(server),
	], async (v) => {
		const login = started(await api('POST', 'login', { username: v.username.trim(), password: v.password,
			serverPassword: v.serverPassword || undefined }), v);
		if (login.mustChangePassword) go('change', { current: v.password, notice: t('connect.mustChange') });
		else onDone();
	}, [server.registrationOpen && ['connect.register', () => go('register'), 'register'],
		['connect.forgot', () => go('recover'), 'recover'],
		clientFileLink(go)].filter(Boolean)),

	register: ({ server, go, onDone }) => form('register', [
		['username', 'connect.username', { autocomplete: 'username', autocapitalize: 'none', maxlength: 32 }, 'connect.usernameHint'],
		['displayName', 'connect.displayName', { required: false, autocomplete: 'name', maxlength: 64 }],
		['email', 'connect.email', { type: 'email', required: false, autocomplete: 'email', maxlength: 254 }],
		['password', 'connect.password', NEW_PASSWORD, 'connect.passwordHint'],
		['again', 'connect.passwordAgain', NEW_PASSWORD],
		['question', 'connect.question', { maxlength: 200, placeholder: t('connect.questionExample') }, 'connect.questionHint'],
		['answer', 'connect.answer'],
		serverPassword(server),
	], async (v) => {
		if (v.password !== v.again) throw t('connect.passwordsDiffer');
		if (!v.question.trim() || !v.answer.trim()) throw t('connect.questionRequired');
		started(await api('POST', 'register', { username: v.username.trim(), password: v.password, email: v.email.trim(),
			displayName: v.displayName.trim(), question: v.question.trim(), answer: v.answer,
			serverPassword: v.serverPassword || undefined }), v);
		onDone();
	}, [['connect.haveAccount', () => go('login')]]),

	// Two steps: the user name gets the question, then the answer and a new password.
	recover: ({ go }) => {
		const step = h('div');
		let question = null;
		const el = form('recover', [['username', 'connect.username', { autocapitalize: 'none' }]], async (v) => {
			if (question === null) {
				question = (await api('POST', 'recovery/question', { username: v.username.trim() })).question;
				el.elements.username.readOnly = true;
				fill(step, h('p.question', h('strong', t('connect.question') + ' '), question),
					...[['answer', 'connect.answer'], ['password', 'connect.newPassword'], ['again', 'connect.passwordAgain']]
						.map(([name, label], i) => field(t(label), h('input', { name, required: true, ...(i ? NEW_PASSWORD : {}) }))));
				return el.elements.answer.focus();
			}
			if (v.password !== v.again) throw t('connect.passwordsDiffer');
			await api('POST', 'recovery', { username: v.username.trim(), answer: v.answer, newPassword: v.password });
			go('login', { notice: t('connect.recovered') });
		}, [['connect.backToLogin', () => go('login')]]);
		el.querySelector('.form-error').before(h('p.hint', t('connect.recoverIntro')), step);
		return el;
	},

	// An invitation: the name, display name and groups are the administrator's; the password is all.
	join: ({ go, onDone, join }) => {
		const { invitation } = join;
		const el = form('join', [
			['password', 'connect.password', NEW_PASSWORD, 'connect.passwordHint'],
			['again', 'connect.passwordAgain', NEW_PASSWORD],
		], async (v) => {
			if (v.password !== v.again) throw t('connect.passwordsDiffer');
			// The server password the file carried (if any) was kept when it was opened.
			setToken((await redeem(join, v.password)).token);
			onDone();
		}, [['connect.haveAccount', () => go('login'), 'login']]);
		el.querySelector('h2').textContent = t('connect.joinTitle', { name: invitation.displayName || invitation.username });
		el.querySelector('h2').after(h('p.hint', t('connect.joinIntro', { username: invitation.username })));
		return el;
	},

	change: ({ onDone, current }) => {
		const el = form('change', [
			!current && ['current', 'connect.currentPassword', { type: 'password', autocomplete: 'current-password' }],
			['password', 'connect.newPassword', NEW_PASSWORD, 'connect.passwordHint'],
			['again', 'connect.passwordAgain', NEW_PASSWORD],
		], async (v) => {
			const old = current || v.current;
			if (v.password !== v.again) throw t('connect.passwordsDiffer');
			if (v.password === old) throw t('connect.passwordSame');
			await api('PUT', 'me/password', { current: old, new: v.password });
			onDone();
		});
		el.querySelector('h2').after(h('p.hint', t('connect.changeIntro')));
		return el;
	},
};

/**
 * "Open a client file": a `.causerie` file from the disk, checked, then the screen it calls for.
 * A label around a visually hidden file input, so that it is a real control for the keyboard.
 */
function clientFileLink(go) {
	const input = h('input.sr-only', { type: 'file', name: 'client-file', accept: '.causerie,application/json' });
	input.addEventListener('change', async () => {
		const file = input.files[0];
		if (!file) return;
		// A client file is a few hundred bytes; anything large is not one (and is not read).
		const next = await openClientFile(file.size <= 65536 ? await file.text() : '');
		go(next.mode, next);
	});
	return h('label.link', { 'data-action': 'open-file' }, t('connect.openFile'), input);
}
