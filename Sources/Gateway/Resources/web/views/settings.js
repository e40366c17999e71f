// Profile and settings: profile, password, quick phrases, language, notifications, emoticons.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { notificationSupport, notificationsWanted, enableNotifications, disableNotifications } from '../lib/notify.js';
import { emoticonsWanted, setEmoticonsWanted } from '../lib/emoticons.js';
import { openDialog, field, checkbox, toast, iconButton, errorText } from './ui.js';
import { formatDate } from '../lib/i18n.js';
import { languagePicker } from './language.js';

const TABS = ['profile', 'password', 'phrases', 'preferences', 'fileServer'];

export function settingsDialog(client, { onLanguage }) {
	const me = client.state.me;
	const panel = h('div.tab-panel', { role: 'tabpanel' });
	const tabs = h('div.tabs', { role: 'tablist', 'aria-label': t('settings.title') });
	const input = (name, value = '', props = {}) => h('input', { name, value, autocomplete: 'off', ...props });
	const password = (name, complete = 'new-password') => input(name, '', { type: 'password', autocomplete: complete });
	let current = 'profile';
	let save = null; // what the Save button does on the open tab; each keeps the dialog open

	const select = (name) => {
		current = name;
		fill(tabs, TABS.map((tab) => h('button', { role: 'tab', id: 'tab-' + tab, 'aria-selected': String(tab === name),
			'data-tab': tab, tabindex: tab === name ? '0' : '-1', onclick: () => select(tab) }, t('settings.tab.' + tab))));
		panel.setAttribute('aria-labelledby', 'tab-' + name);
		save = PANELS[name]();
	};
	// Arrow keys move between tabs, as in any tab list.
	tabs.addEventListener('keydown', (event) => {
		const step = { ArrowRight: 1, ArrowLeft: TABS.length - 1 }[event.key];
		if (!step) return;
		select(TABS[(TABS.indexOf(current) + step) % TABS.length]);
		tabs.querySelector('[aria-selected="true"]').focus();
	});
	const saved = (key = 'settings.saved') => { toast(t(key)); return false; };

	const PANELS = {
		profile() {
			const f = { displayName: 64, email: 254, phone: 32, department: 64 };
			for (const key in f) f[key] = input(key, me[key], { maxlength: f[key] });
			fill(panel, Object.entries(f).map(([key, el]) => field(t('profile.' + key), el)));
			return async () => {
				await client.request('profile', Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value.trim()])));
				return saved();
			};
		},
		password() {
			const [old, next, again] = [password('current', 'current-password'), password('new'), password('again')];
			const question = input('question', me.recoveryQuestion ?? '', { maxlength: 200 });
			const answer = input('answer');
			fill(panel, h('h3', t('settings.changePassword')), field(t('connect.currentPassword'), old),
				field(t('connect.newPassword'), next, t('connect.passwordHint')), field(t('connect.passwordAgain'), again),
				h('h3', t('settings.recovery')), field(t('connect.question'), question, t('connect.questionHint')),
				field(t('connect.answer'), answer));
			return async () => {
				if (next.value || old.value) {
					if (next.value !== again.value) throw t('connect.passwordsDiffer');
					await api('PUT', 'me/password', { current: old.value, new: next.value });
					old.value = next.value = again.value = '';
					saved('settings.passwordChanged');
				}
				if (answer.value.trim()) {
					await api('PUT', 'me/recovery', { question: question.value.trim(), answer: answer.value });
					me.recoveryQuestion = question.value.trim();
					answer.value = '';
					saved('settings.recoverySaved');
				}
				return false;
			};
		},
		phrases() {
			const inputs = Array.from({ length: 10 }, (_, i) => input('phrase' + i, me.quickPhrases?.[i], {
				maxlength: 500, 'aria-label': t('settings.phrase', { n: i + 1 }), placeholder: t('settings.phrase', { n: i + 1 }) }));
			fill(panel, h('p.hint', t('settings.phrasesIntro')), h('div.phrase-list', inputs));
			return async () => {
				await client.request('quickPhrases', { phrases: inputs.map((el) => el.value.trim()).filter(Boolean) });
				return saved();
			};
		},
		preferences() {
			const status = h('p.hint', { role: 'status' });
			const toggle = h('button.button', { 'data-action': 'notifications', onclick: async () => {
				if (notificationsWanted()) disableNotifications();
				else await enableNotifications(); // from a click: browsers ask only then
				draw();
			} });
			const draw = () => {
				const support = notificationSupport();
				status.textContent = t('notifications.' + (support === 'granted' ? (notificationsWanted() ? 'on' : 'off') : support));
				toggle.textContent = t(notificationsWanted() ? 'notifications.disable' : 'notifications.enable');
				toggle.hidden = !['granted', 'default'].includes(support);
			};
			draw();
			// Applies at once, like the notifications switch: nothing to save.
			const emoticons = checkbox(t('settings.convertEmoticons'), { checked: emoticonsWanted(), 'data-pref': 'emoticons',
				onchange: (event) => setEmoticonsWanted(event.target.checked) });
			fill(panel, h('h3', t('settings.language')), languagePicker(onLanguage),
				h('h3', t('settings.notifications')), status, toggle,
				notificationSupport() === 'insecure' && h('p.hint', t('notifications.insecureHelp', { origin: location.origin })),
				h('h3', t('settings.emoticons')), emoticons.el, h('p.hint', t('settings.convertEmoticonsHint')));
			return null;
		},
		/** The office file server: its address, and app passwords for file managers and FTP clients. */
		fileServer() {
			const address = location.origin + '/dav/';
			const list = h('ul.app-passwords', { role: 'list' });
			const shown = h('div.app-password-new', { role: 'status' });
			const error = h('p.form-error', { role: 'alert' });
			const label = input('appLabel', '', { maxlength: 64, placeholder: t('settings.appLabelExample') });
			const load = async () => {
				const { appPasswords } = await api('GET', 'me/app-passwords');
				fill(list, appPasswords.length ? appPasswords.map((entry) => h('li.app-password', { 'data-app-password': entry.id },
					h('span.app-password-label', { dir: 'auto' }, entry.label), h('span.hint', formatDate(entry.created)),
					iconButton('trash', t('settings.appRevoke', { label: entry.label }), async () => {
						await api('DELETE', 'me/app-passwords/' + encodeURIComponent(entry.id)).catch((e) => { error.textContent = errorText(e); });
						load();
					}, { 'data-action': 'revoke-app-password' }))) : h('li.hint', t('settings.appNone')));
			};
			const create = h('button.button', { 'data-action': 'create-app-password', onclick: async () => {
				error.textContent = '';
				try {
					const made = await api('POST', 'me/app-passwords', { label: label.value.trim() });
					label.value = '';
					fill(shown, h('p', t('settings.appShownOnce')), h('code.app-password-value', made.password));
					load();
				} catch (e) { error.textContent = errorText(e); }
			} }, t('settings.appCreate'));
			fill(panel, h('p', t('settings.fileServerIntro')), h('p', h('code.file-server-address', address)),
				h('p.hint', t('settings.fileServerLogin', { username: me.username })),
				h('h3', t('settings.appPasswords')), h('p.hint', t('settings.appPasswordsIntro')), list,
				field(t('settings.appLabel'), label), create, error, shown);
			load().catch((e) => { error.textContent = errorText(e); });
			return null;
		},
	};

	const dialog = openDialog({ title: t('settings.title'), body: [tabs, panel], submitLabel: t('common.save'),
		className: 'wide settings', onSubmit: () => (save ? save() : true) });
	select('profile');
	return dialog;
}
