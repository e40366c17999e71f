// Admin: bot accounts for other office software — made with the rights groups that scope them,
// their token shown once, when each was last used, a new token, or the token revoked.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatShortDateTime, formatDateTime } from '../lib/i18n.js';
import { field, checkbox, errorText, submitting, toast } from './ui.js';

/** The token, once: selected for copying, with a warning that it will not be shown again. */
function tokenShown(name, token) {
	const input = h('input.copy-field', { type: 'text', readonly: true, value: token, 'aria-label': t('admin.botToken'),
		onfocus: (e) => e.target.select() });
	return h('div.made-file', { 'data-token-for': name },
		h('p.form-success', t('admin.botTokenFor', { name })),
		field(t('admin.botToken'), input, t('admin.botTokenHint')),
		h('button.button', { 'data-action': 'copy-token', onclick: async () => {
			try { await navigator.clipboard.writeText(token); toast(t('admin.copied')); } catch { input.select(); }
		} }, t('admin.copyToken')));
}

export async function botsPanel(panel) {
	const [users, groups] = await Promise.all([api('GET', 'admin/users'), api('GET', 'admin/groups')]);
	const bots = users.filter((u) => u.bot);
	const reload = async (shown) => {
		await botsPanel(panel);
		if (shown) panel.querySelector('[data-slot=token]').replaceChildren(shown);
	};
	const groupName = (id) => groups.find((g) => g.id === id)?.name ?? id;
	const act = async (work) => { try { await work(); } catch (e) { toast(errorText(e), 'error'); } };

	const rows = bots.map((b) => h('tr', { 'data-user': b.user },
		h('td', h('strong', b.username)),
		h('td', b.groups.map(groupName).join(', ')),
		h('td', b.lastUsed ? h('span', { title: formatDateTime(b.lastUsed) }, formatShortDateTime(b.lastUsed))
			: h('span.muted', t('admin.never'))),
		h('td', b.sessions ? h('span.status-ok', t('admin.tokenActive')) : h('span.status-off', t('admin.tokenRevoked'))),
		h('td.actions',
			h('button.button.small', { 'data-action': 'new-token', onclick: () => act(async () => {
				const made = await api('POST', `admin/bots/${b.user}/token`);
				await reload(tokenShown(b.username, made.token));
			}) }, t('admin.newToken')), ' ',
			b.sessions ? h('button.button.small.danger', { 'data-action': 'revoke-token', onclick: () => act(async () => {
				await api('DELETE', `admin/users/${b.user}/sessions`);
				toast(t('admin.tokenRevokedFor', { name: b.username }));
				await reload();
			}) }, t('admin.revokeToken')) : null)));

	const username = h('input', { name: 'username', autocomplete: 'off', maxlength: 32, required: true });
	const boxes = groups.map((g) => ({ id: g.id, ...checkbox(g.name, { checked: g.id === 'users', 'data-group': g.id }) }));
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.admin-form', { 'aria-label': t('admin.createBot') },
		field(t('connect.username'), username, t('admin.botNameHint')),
		h('fieldset.options', h('legend', t('admin.botScope')), boxes.map((c) => c.el)),
		h('div', h('button.button.primary', { type: 'submit', 'data-action': 'create-bot' }, t('admin.createBot')), error));
	submitting(form, error, async () => {
		const name = username.value.trim();
		const made = await api('POST', 'admin/bots', { username: name, groups: boxes.filter((c) => c.input.checked).map((c) => c.id) });
		await reload(tokenShown(name, made.token));
	});

	fill(panel,
		h('section.admin-section', h('h2', t('admin.createBot')), h('p.hint', t('admin.botsIntro')), form, h('div', { 'data-slot': 'token' })),
		h('section.admin-section', h('h2', t('admin.bots', { count: bots.length })),
			bots.length ? h('div.table-wrap', h('table.table',
				h('thead', h('tr', ['admin.username', 'admin.botScope', 'admin.lastUsed', 'admin.status', 'admin.actions']
					.map((key) => h('th', { scope: 'col' }, t(key))))),
				h('tbody', rows))) : h('p.muted', t('admin.noBots'))));
}
