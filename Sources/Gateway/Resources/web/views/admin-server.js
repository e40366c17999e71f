// Admin: filters (flood, words, server password, addresses) and server settings.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, checkbox, submitting, toast } from './ui.js';

/**
 * A form of [name, kind, label key, hint key] controls filled from `values`, whose submit PUTs
 * them back (lists as one item a line, numbers as numbers) after `adjust(body)`.
 */
function settingsForm(panel, title, path, values, specs, adjust = (body) => body) {
	const controls = specs.map(([name, kind, label, hint]) => {
		const value = values[name];
		const control = kind === 'check' ? checkbox(t(label), { name, checked: value })
			: kind === 'lines' ? h('textarea', { name, rows: 3 }, (value || []).join('\n'))
				: kind === 'select' ? h('select', { name }, ['mask', 'reject'].map((m) =>
					h('option', { value: m, selected: value === m }, t('admin.wordMode.' + m))))
					: h('input', { name, type: kind, value: value ?? '', autocomplete: 'off', min: kind === 'number' ? 0 : null });
		return { name, kind, control, el: kind === 'check' ? control.el : field(t(label), control, hint && t(hint)) };
	});
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.admin-form', controls.map((c) => c.el),
		h('div', h('button.button.primary', { type: 'submit', 'data-action': 'save' }, t('common.save')), error));
	submitting(form, error, async () => {
		const body = {};
		for (const { name, kind, control } of controls) {
			body[name] = kind === 'check' ? control.input.checked : kind === 'number' ? Number(control.value)
				: kind === 'lines' ? control.value.split('\n').map((s) => s.trim()).filter(Boolean)
				: kind === 'password' ? control.value : control.value.trim();
		}
		await api('PUT', path, adjust(body));
		toast(t('settings.saved'));
	});
	fill(panel, h('section.admin-section', h('h2', t(title)), form));
}

export async function filtersPanel(panel) {
	const filters = await api('GET', 'admin/filters');
	settingsForm(panel, 'admin.tab.filters', 'admin/filters', { ...filters, serverPassword: '', removePassword: false }, [
		['floodBurst', 'number', 'admin.floodBurst', 'admin.floodBurstHint'],
		['floodPerMinute', 'number', 'admin.floodPerMinute'],
		['words', 'lines', 'admin.words', 'admin.wordsHint'],
		['wordMode', 'select', 'admin.wordModeLabel'],
		['serverPassword', 'password', 'admin.serverPassword',
			filters.serverPasswordSet ? 'admin.serverPasswordSet' : 'admin.serverPasswordNone'],
		['removePassword', 'check', 'admin.removeServerPassword'],
		['allow', 'lines', 'admin.allow', 'admin.cidrHint'],
		['deny', 'lines', 'admin.deny', 'admin.cidrHint'],
	], ({ removePassword, serverPassword, ...body }) => {
		// Left empty, the server password stays as it is; removing it is an explicit choice.
		if (removePassword) body.serverPassword = '';
		else if (serverPassword) body.serverPassword = serverPassword;
		return body;
	});
}

export async function settingsPanel(panel) {
	settingsForm(panel, 'admin.tab.settings', 'admin/settings', await api('GET', 'admin/settings'), [
		['serverName', 'text', 'admin.serverName'],
		['registrationOpen', 'check', 'admin.registrationOpen'],
		['maxMessageLength', 'number', 'admin.maxMessageLength'],
		['retentionDays', 'number', 'admin.retentionDays', 'admin.retentionHint'],
	]);
}
