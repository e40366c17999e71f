// Admin: every account — create, disable or enable, reset a password, set its rights groups.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, submitting, toast } from './ui.js';

export async function usersPanel(panel) {
	const [users, groups] = await Promise.all([api('GET', 'admin/users'), api('GET', 'admin/groups')]);
	const groupName = (id) => groups.find((g) => g.id === id)?.name ?? id;
	const reload = () => usersPanel(panel);
	const act = (fn) => async () => {
		try { await fn(); reload(); } catch (error) { toast(errorText(error), 'error'); }
	};

	const rows = users.map((u) => h('tr', { 'data-user': u.user },
		h('td', h('strong', u.username), u.bot ? h('span.tag', t('admin.bot')) : null),
		h('td', { dir: 'auto' }, u.displayName),
		h('td', u.email),
		h('td', u.groups.map(groupName).join(', ')),
		h('td', h('span', { class: u.disabled ? 'status-off' : 'status-ok' }, u.disabled ? t('admin.disabled') : t('admin.active')),
			u.mustChangePassword ? h('div.muted', t('admin.mustChange')) : null),
		h('td.actions',
			h('button.button.small', { 'data-action': 'groups', onclick: () => groupsDialog(u) }, t('admin.groups')), ' ',
			h('button.button.small', { 'data-action': 'reset', onclick: () => resetDialog(u) }, t('admin.reset')), ' ',
			h('button', { class: 'button small' + (u.disabled ? '' : ' danger'), 'data-action': 'toggle',
				onclick: act(() => api('PATCH', 'admin/users/' + u.user, { disabled: !u.disabled })) },
			u.disabled ? t('admin.enable') : t('admin.disable')))));

	function groupChecks(selected) {
		return groups.map((g) => ({ id: g.id, ...checkbox(g.name, { checked: selected.includes(g.id), value: g.id }) }));
	}

	function groupsDialog(user) {
		const checks = groupChecks(user.groups);
		openDialog({
			title: t('admin.groupsOf', { name: user.username }), submitLabel: t('common.save'),
			body: checks.map((c) => c.el),
			onSubmit: async () => {
				await api('PATCH', 'admin/users/' + user.user, { groups: checks.filter((c) => c.input.checked).map((c) => c.id) });
				reload();
			},
		});
	}

	function resetDialog(user) {
		const password = h('input', { type: 'password', autocomplete: 'new-password', minlength: 8 });
		openDialog({
			title: t('admin.resetOf', { name: user.username }), submitLabel: t('admin.reset'),
			body: [field(t('connect.newPassword'), password, t('admin.resetHint'))],
			onSubmit: async () => {
				await api('POST', `admin/users/${user.user}/password`, { password: password.value });
				toast(t('admin.resetDone'));
				reload();
			},
		});
	}

	const f = {
		username: h('input', { name: 'username', required: true, autocomplete: 'off' }),
		password: h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }),
		displayName: h('input', { name: 'displayName', autocomplete: 'off' }),
		email: h('input', { name: 'email', type: 'email', autocomplete: 'off' }),
	};
	const checks = groupChecks(['users']);
	const error = h('p.form-error', { role: 'alert' });
	const create = h('form.admin-form', { 'aria-label': t('admin.createUser') },
		field(t('connect.username'), f.username), field(t('admin.initialPassword'), f.password),
		field(t('connect.displayName'), f.displayName), field(t('connect.email'), f.email),
		h('fieldset.options', h('legend', t('admin.groups')), checks.map((c) => c.el)),
		h('div', h('button', { type: 'submit', class: 'button primary' }, t('admin.createUser')), error));
	submitting(create, error, async () => {
		await api('POST', 'admin/users', { username: f.username.value.trim(), password: f.password.value,
			displayName: f.displayName.value.trim(), email: f.email.value.trim(),
			groups: checks.filter((c) => c.input.checked).map((c) => c.id) });
		toast(t('admin.created'));
		reload();
	});

	fill(panel,
		h('section.admin-section',
			h('h2', t('admin.users', { count: users.length })),
			h('div.table-wrap', h('table.table',
				h('thead', h('tr', ['admin.username', 'connect.displayName', 'connect.email', 'admin.groups', 'admin.status', 'admin.actions']
					.map((key) => h('th', { scope: 'col' }, t(key))))),
				h('tbody', rows)))),
		h('section.admin-section', h('h2', t('admin.createUser')), create));
}
