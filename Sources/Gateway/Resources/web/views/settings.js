// Profile and settings: profile, password, quick phrases, language, notifications.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { notificationSupport, notificationsWanted, enableNotifications, disableNotifications } from '../lib/notify.js';
import { openDialog, field, toast } from './ui.js';
import { languagePicker } from './language.js';

const TABS = ['profile', 'password', 'phrases', 'preferences'];

export function settingsDialog(client, { onLanguage }) {
	const panel = h('div.tab-panel', { role: 'tabpanel' });
	const tabs = h('div.tabs', { role: 'tablist', 'aria-label': t('settings.title') });
	let current = 'profile';
	let save = null;

	const select = (name) => {
		current = name;
		fill(tabs, TABS.map((tab) => h('button', {
			role: 'tab', id: 'tab-' + tab, 'aria-selected': String(tab === current), 'data-tab': tab,
			tabindex: tab === current ? '0' : '-1', onclick: () => select(tab),
		}, t('settings.tab.' + tab))));
		panel.setAttribute('aria-labelledby', 'tab-' + name);
		({ profile, password, phrases, preferences })[name]();
	};
	tabs.addEventListener('keydown', (event) => {
		if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
		const next = TABS[(TABS.indexOf(current) + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
		select(next);
		tabs.querySelector(`[data-tab="${next}"]`).focus();
	});

	const me = () => client.state.me;
	const input = (name, value, props = {}) => h('input', { name, value: value ?? '', autocomplete: 'off', ...props });

	function profile() {
		const f = {
			displayName: input('displayName', me().displayName, { maxlength: 64 }),
			email: input('email', me().email, { type: 'email', maxlength: 254 }),
			phone: input('phone', me().phone, { maxlength: 32 }),
			department: input('department', me().department, { maxlength: 64 }),
		};
		fill(panel, Object.entries(f).map(([key, el]) => field(t('profile.' + key), el)));
		save = async () => {
			await client.request('profile', Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value.trim()])));
			toast(t('settings.saved'));
			return false;
		};
	}

	function password() {
		const current = input('current', '', { type: 'password', autocomplete: 'current-password' });
		const next = input('new', '', { type: 'password', autocomplete: 'new-password', minlength: 8 });
		const again = input('again', '', { type: 'password', autocomplete: 'new-password' });
		const question = input('question', me().recoveryQuestion ?? '', { maxlength: 200 });
		const answer = input('answer', '');
		fill(panel,
			h('h3', t('settings.changePassword')),
			field(t('connect.currentPassword'), current), field(t('connect.newPassword'), next, t('connect.passwordHint')),
			field(t('connect.passwordAgain'), again),
			h('h3', t('settings.recovery')),
			field(t('connect.question'), question, t('connect.questionHint')), field(t('connect.answer'), answer));
		save = async () => {
			if (next.value || current.value) {
				if (next.value !== again.value) throw t('connect.passwordsDiffer');
				await api('PUT', 'me/password', { current: current.value, new: next.value });
				current.value = next.value = again.value = '';
				toast(t('settings.passwordChanged'));
			}
			if (answer.value.trim()) {
				await api('PUT', 'me/recovery', { question: question.value.trim(), answer: answer.value });
				me().recoveryQuestion = question.value.trim();
				answer.value = '';
				toast(t('settings.recoverySaved'));
			}
			return false;
		};
	}

	function phrases() {
		const list = me().quickPhrases || [];
		const inputs = Array.from({ length: 10 }, (_, i) => input('phrase' + i, list[i] ?? '', {
			maxlength: 500, 'aria-label': t('settings.phrase', { n: i + 1 }), placeholder: t('settings.phrase', { n: i + 1 }) }));
		fill(panel, h('p.hint', t('settings.phrasesIntro')), h('div.phrase-list', inputs));
		save = async () => {
			await client.request('quickPhrases', { phrases: inputs.map((el) => el.value.trim()).filter(Boolean) });
			toast(t('settings.saved'));
			return false;
		};
	}

	function preferences() {
		const support = notificationSupport();
		const status = h('p.hint', { role: 'status' });
		const toggle = h('button.button', { 'data-action': 'notifications' });
		const drawNotifications = () => {
			const on = notificationsWanted();
			const now = notificationSupport();
			status.textContent = t('notifications.' + (now === 'granted' ? (on ? 'on' : 'off') : now));
			toggle.textContent = on ? t('notifications.disable') : t('notifications.enable');
			toggle.hidden = now === 'insecure' || now === 'unsupported' || now === 'denied';
		};
		toggle.addEventListener('click', async () => {
			if (notificationsWanted()) disableNotifications();
			else await enableNotifications();
			drawNotifications();
		});
		drawNotifications();
		fill(panel,
			h('h3', t('settings.language')), languagePicker(() => { onLanguage(); dialog.close(); }),
			h('h3', t('settings.notifications')), status, toggle,
			support === 'insecure' ? h('p.hint', t('notifications.insecureHelp', { origin: location.origin })) : null);
		save = null;
	}

	const dialog = openDialog({
		title: t('settings.title'),
		body: [tabs, panel],
		submitLabel: t('common.save'),
		className: 'wide settings',
		onSubmit: () => (save ? save() : true),
	});
	select('profile');
	return dialog;
}
