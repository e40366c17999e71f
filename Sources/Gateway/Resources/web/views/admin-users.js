// Admin: every account — create, disable or enable, reset a password, set its rights groups.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, submitting, toast } from './ui.js';

export async function usersPanel(panel) {
	const [users, groups] = await Promise.all([api('GET', 'admin/users'), api('GET', 'admin/groups')]);
	const reload = () => usersPanel(panel);
	const checks = (selected) => groups.map((g) => ({ id: g.id, ...checkbox(g.name, { checked: selected.includes(g.id) }) }));
	const chosen = (list) => list.filter((c) => c.input.checked).map((c) => c.id);
	const button = (action, key, onclick, danger) => h('button.button.small', { class: danger ? 'danger' : '', 'data-action': action,
		onclick }, t(key));
	const change = (user, body) => api('PATCH', 'admin/users/' + user.user, body).then(reload, (e) => toast(errorText(e), 'error'));

	const groupsDialog = (user) => {
		const boxes = checks(user.groups);
		openDialog({ title: t('admin.groupsOf', { name: user.username }), submitLabel: t('common.save'), body: boxes.map((c) => c.el),
			onSubmit: () => change(user, { groups: chosen(boxes) }) });
	};
	const resetDialog = (user) => {
		const password = h('input', { type: 'password', autocomplete: 'new-password' });
		openDialog({ title: t('admin.resetOf', { name: user.username }), submitLabel: t('admin.reset'),
			body: field(t('connect.newPassword'), password, t('admin.resetHint')),
			onSubmit: async () => {
				await api('POST', `admin/users/${user.user}/password`, { password: password.value });
				toast(t('admin.resetDone'));
				reload();
			} });
	};

	const rows = users.map((u) => h('tr', { 'data-user': u.user },
		h('td', h('strong', u.username), u.bot && h('span.tag', t('admin.bot'))),
		h('td', { dir: 'auto' }, u.displayName),
		h('td', u.email),
		h('td', u.groups.map((id) => groups.find((g) => g.id === id)?.name ?? id).join(', ')),
		h('td', h('span', { class: u.disabled ? 'status-off' : 'status-ok' }, t(u.disabled ? 'admin.disabled' : 'admin.active')),
			u.mustChangePassword && h('div.muted', t('admin.mustChange'))),
		h('td.actions', button('groups', 'admin.groups', () => groupsDialog(u)), ' ', button('reset', 'admin.reset', () => resetDialog(u)),
			' ', button('toggle', u.disabled ? 'admin.enable' : 'admin.disable', () => change(u, { disabled: !u.disabled }), !u.disabled))));

	const f = Object.fromEntries([['username', 'text'], ['password', 'password'], ['displayName', 'text'], ['email', 'email']]
		.map(([name, type]) => [name, h('input', { name, type, autocomplete: type === 'password' ? 'new-password' : 'off' })]));
	const boxes = checks(['users']);
	const error = h('p.form-error', { role: 'alert' });
	const create = h('form.admin-form', { 'aria-label': t('admin.createUser') },
		field(t('connect.username'), f.username), field(t('admin.initialPassword'), f.password),
		field(t('connect.displayName'), f.displayName), field(t('connect.email'), f.email),
		h('fieldset.options', h('legend', t('admin.groups')), boxes.map((c) => c.el)),
		h('div', h('button.button.primary', { type: 'submit' }, t('admin.createUser')), error));
	submitting(create, error, async () => {
		await api('POST', 'admin/users', { username: f.username.value.trim(), password: f.password.value,
			displayName: f.displayName.value.trim(), email: f.email.value.trim(), groups: chosen(boxes) });
		toast(t('admin.created'));
		reload();
	});

	fill(panel,
		h('section.admin-section', h('h2', t('admin.users', { count: users.length })),
			h('div.table-wrap', h('table.table',
				h('thead', h('tr', ['admin.username', 'connect.displayName', 'connect.email', 'admin.groups', 'admin.status', 'admin.actions']
					.map((key) => h('th', { scope: 'col' }, t(key))))),
				h('tbody', rows)))),
		h('section.admin-section', h('h2', t('admin.createUser')), create));
}
