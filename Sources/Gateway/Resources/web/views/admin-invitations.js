// Admin: client files and invitations (docs/invitations.md). A file says where the server is and
// which authority to trust; with a user name it also lets that one person make their account.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatDate, formatDateTime } from '../lib/i18n.js';
import { field, checkbox, errorText, submitting, toast } from './ui.js';

/** Offers `text` as a file to save, without a round trip to the server. */
export function download(name, text, type = 'application/json') {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const link = h('a', { href: url, download: name, hidden: true });
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** What was made: the link to send (selected for copying) and the file to save. */
function result(made, fileName) {
	const link = h('input.copy-field', { type: 'text', readonly: true, value: made.link, 'aria-label': t('admin.inviteLink'),
		onfocus: (e) => e.target.select() });
	const copy = async () => {
		try { await navigator.clipboard.writeText(made.link); toast(t('admin.copied')); } catch { link.select(); }
	};
	return h('div.made-file', { 'data-invitation': made.invitation ?? '' },
		h('p.form-success', made.invitation ? t('admin.inviteMade', { username: made.file.invitation.username }) : t('admin.fileMade')),
		field(t('admin.inviteLink'), link, t('admin.inviteLinkHint')),
		h('div.button-row',
			h('button.button', { 'data-action': 'copy-link', onclick: copy }, t('admin.copyLink')), ' ',
			h('button.button', { 'data-action': 'download-file', onclick: () => download(fileName,
				JSON.stringify(made.file, null, 2) + '\n') }, t('admin.downloadFile'))));
}

export async function invitationsPanel(panel) {
	const [invitations, groups, filters] = await Promise.all([api('GET', 'admin/invitations'), api('GET', 'admin/groups'),
		api('GET', 'admin/filters')]);
	const reload = () => invitationsPanel(panel);

	const f = {
		username: h('input', { name: 'username', autocomplete: 'off', maxlength: 32 }),
		displayName: h('input', { name: 'displayName', autocomplete: 'off', maxlength: 64 }),
		days: h('input', { name: 'days', type: 'number', min: 1, max: 90, value: 7 }),
		serverPassword: h('input', { name: 'serverPassword', type: 'password', autocomplete: 'off' }),
	};
	const boxes = groups.map((g) => ({ id: g.id, ...checkbox(g.name, { checked: g.id === 'users', 'data-group': g.id }) }));
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.admin-form', { 'aria-label': t('admin.invite') },
		field(t('connect.username'), f.username, t('admin.inviteUsernameHint')),
		field(t('connect.displayName'), f.displayName),
		field(t('admin.inviteDays'), f.days),
		filters.serverPasswordSet ? field(t('admin.inviteServerPassword'), f.serverPassword, t('admin.inviteServerPasswordHint')) : null,
		h('fieldset.options', h('legend', t('admin.groups')), boxes.map((c) => c.el)),
		h('div', h('button.button.primary', { type: 'submit', 'data-action': 'invite' }, t('admin.invite')), error));
	submitting(form, error, async () => {
		const username = f.username.value.trim();
		const body = { serverPassword: f.serverPassword.value || undefined };
		if (username) {
			Object.assign(body, { username, displayName: f.displayName.value.trim() || undefined, days: Number(f.days.value),
				groups: boxes.filter((c) => c.input.checked).map((c) => c.id) });
		}
		const made = await api('POST', 'admin/client-files', body);
		await reload();
		panel.querySelector('[data-slot=made]').replaceChildren(result(made, (username || 'office') + '.causerie'));
	});

	const revoke = async (invitation) => {
		try { await api('DELETE', 'admin/invitations/' + invitation.id); reload(); } catch (e) { toast(errorText(e), 'error'); }
	};
	const rows = invitations.map((i) => h('tr', { 'data-invitation': i.id, 'data-state': i.state },
		h('td', h('strong', i.username)),
		h('td', { dir: 'auto' }, i.displayName),
		h('td', { title: formatDateTime(i.issued) }, formatDate(i.issued)),
		h('td', { title: formatDateTime(i.expires) }, formatDate(i.expires)),
		h('td', h('span', { class: i.state === 'open' ? 'status-ok' : i.state === 'used' ? '' : 'status-off' },
			t('admin.inviteState.' + i.state))),
		h('td.actions', i.state === 'open' ? h('button.button.small.danger', { 'data-action': 'revoke', onclick: () => revoke(i) },
			t('admin.revoke')) : null)));

	fill(panel,
		h('section.admin-section', h('h2', t('admin.invite')), h('p.hint', t('admin.inviteIntro')), form,
			h('div', { 'data-slot': 'made' })),
		h('section.admin-section', h('h2', t('admin.invitations', { count: invitations.length })),
			invitations.length ? h('div.table-wrap', h('table.table',
				h('thead', h('tr', ['admin.username', 'connect.displayName', 'admin.issued', 'admin.expires', 'admin.status',
					'admin.actions'].map((key) => h('th', { scope: 'col' }, t(key))))),
				h('tbody', rows))) : h('p.muted', t('admin.noInvitations'))));
}
