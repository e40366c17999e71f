// Admin: filters (flood, words, server password, addresses) and server settings.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, checkbox, submitting, toast } from './ui.js';

/** A form that PUTs what `collect()` returns, with its errors shown inside it. */
function settingsForm(fields, collect, path, reload) {
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.admin-form', fields,
		h('div', h('button', { type: 'submit', class: 'button primary', 'data-action': 'save' }, t('common.save')), error));
	submitting(form, error, async () => {
		await api('PUT', path, collect());
		toast(t('settings.saved'));
		reload();
	});
	return form;
}

const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);

export async function filtersPanel(panel) {
	const filters = await api('GET', 'admin/filters');
	const number = (name, value) => h('input', { name, type: 'number', min: 1, value: String(value) });
	const burst = number('floodBurst', filters.floodBurst);
	const perMinute = number('floodPerMinute', filters.floodPerMinute);
	const words = h('textarea', { name: 'words', rows: 5 });
	words.value = filters.words.join('\n');
	const mode = h('select', { name: 'wordMode' }, ['mask', 'reject'].map((m) =>
		h('option', { value: m, selected: filters.wordMode === m }, t('admin.wordMode.' + m))));
	const password = h('input', { name: 'serverPassword', type: 'password', autocomplete: 'new-password' });
	const remove = checkbox(t('admin.removeServerPassword'), { disabled: !filters.serverPasswordSet });
	const allow = h('textarea', { name: 'allow', rows: 3, placeholder: '192.168.1.0/24' });
	allow.value = filters.allow.join('\n');
	const deny = h('textarea', { name: 'deny', rows: 3 });
	deny.value = filters.deny.join('\n');
	const reload = () => filtersPanel(panel);
	fill(panel, h('section.admin-section', h('h2', t('admin.tab.filters')),
		settingsForm([
			field(t('admin.floodBurst'), burst, t('admin.floodBurstHint')),
			field(t('admin.floodPerMinute'), perMinute),
			field(t('admin.words'), words, t('admin.wordsHint')),
			field(t('admin.wordModeLabel'), mode),
			field(t('admin.serverPassword'), password,
				filters.serverPasswordSet ? t('admin.serverPasswordSet') : t('admin.serverPasswordNone')),
			remove.el,
			field(t('admin.allow'), allow, t('admin.cidrHint')),
			field(t('admin.deny'), deny, t('admin.cidrHint')),
		], () => {
			const body = { floodBurst: Number(burst.value), floodPerMinute: Number(perMinute.value), words: lines(words.value),
				wordMode: mode.value, allow: lines(allow.value), deny: lines(deny.value) };
			if (remove.input.checked) body.serverPassword = '';
			else if (password.value) body.serverPassword = password.value;
			return body;
		}, 'admin/filters', reload)));
}

export async function settingsPanel(panel) {
	const settings = await api('GET', 'admin/settings');
	const name = h('input', { name: 'serverName', value: settings.serverName, maxlength: 64 });
	const open = checkbox(t('admin.registrationOpen'), { name: 'registrationOpen', checked: settings.registrationOpen });
	const length = h('input', { name: 'maxMessageLength', type: 'number', min: 1, value: String(settings.maxMessageLength) });
	const retention = h('input', { name: 'retentionDays', type: 'number', min: 0, value: String(settings.retentionDays) });
	fill(panel, h('section.admin-section', h('h2', t('admin.tab.settings')),
		settingsForm([
			field(t('admin.serverName'), name),
			open.el,
			field(t('admin.maxMessageLength'), length),
			field(t('admin.retentionDays'), retention, t('admin.retentionHint')),
		], () => ({ serverName: name.value.trim(), registrationOpen: open.input.checked,
			maxMessageLength: Number(length.value), retentionDays: Number(retention.value) }),
		'admin/settings', () => settingsPanel(panel))));
}
