// Admin: every account — search and filter, create, edit the profile, disable or enable, end its
// sessions, reset a password, set its rights groups; when it was last seen, from where, how long online.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, foldForSearch, formatHours, formatShortDateTime, formatDateTime } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, submitting, toast } from './ui.js';

const PROFILE = [['displayName', 'profile.displayName', 64], ['email', 'profile.email', 254], ['phone', 'profile.phone', 32],
	['department', 'profile.department', 64]];

/** Search and filters, kept across reloads of the panel (an action re-renders the table). */
const view = { search: '', group: '', status: '' };

function matches(user, words) {
	if (view.group && !user.groups.includes(view.group)) return false;
	if (view.status === 'online' && !user.online) return false;
	if (view.status === 'active' && user.disabled) return false;
	if (view.status === 'disabled' && !user.disabled) return false;
	if (view.status === 'bots' && !user.bot) return false;
	const text = foldForSearch(`${user.username} ${user.displayName} ${user.email} ${user.lastAddress}`);
	return words.every((word) => text.includes(word));
}

export async function usersPanel(panel) {
	const [users, groups] = await Promise.all([api('GET', 'admin/users'), api('GET', 'admin/groups')]);
	const reload = () => usersPanel(panel);
	const groupName = (id) => groups.find((g) => g.id === id)?.name ?? id;
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
	const editDialog = (user) => {
		const inputs = PROFILE.map(([name, label, max]) => [name, label,
			h('input', { name, value: user[name] ?? '', maxlength: max, autocomplete: 'off', type: name === 'email' ? 'email' : 'text' })]);
		openDialog({ title: t('admin.editOf', { name: user.username }), submitLabel: t('common.save'),
			body: inputs.map(([, label, input]) => field(t(label), input)),
			onSubmit: async () => {
				await api('PATCH', 'admin/users/' + user.user, Object.fromEntries(inputs.map(([name, , input]) => [name, input.value.trim()])));
				reload();
			} });
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
	const endSessions = async (user) => {
		try {
			await api('DELETE', `admin/users/${user.user}/sessions`);
			toast(t('admin.sessionsEnded', { name: user.username }));
			reload();
		} catch (e) { toast(errorText(e), 'error'); }
	};

	const row = (u) => h('tr', { 'data-user': u.user },
		h('td', h('strong', u.username), u.bot && h('span.tag', t('admin.bot')),
			h('div.muted', { dir: 'auto' }, u.displayName)),
		h('td', u.email),
		h('td', u.groups.map(groupName).join(', ')),
		h('td', h('span', { class: u.disabled ? 'status-off' : 'status-ok' }, t(u.disabled ? 'admin.disabled' : 'admin.active')),
			u.online ? h('div.status-ok', { 'data-online': u.online }, t('admin.onlineNow', { count: u.online })) : null,
			u.mustChangePassword && h('div.muted', t('admin.mustChange'))),
		h('td', u.lastSeen ? h('span', { title: formatDateTime(u.lastSeen) }, formatShortDateTime(u.lastSeen)) : h('span.muted', t('admin.never')),
			u.lastAddress ? h('div.muted', u.lastAddress) : null),
		h('td', u.secondsOnline ? formatHours(u.secondsOnline) : '—'),
		h('td.actions',
			button('edit', 'admin.edit', () => editDialog(u)), ' ',
			button('groups', 'admin.groups', () => groupsDialog(u)), ' ',
			u.bot ? null : [button('reset', 'admin.reset', () => resetDialog(u)), ' '],
			u.sessions ? [button('end-sessions', u.bot ? 'admin.revokeToken' : 'admin.endSessions', () => endSessions(u), true), ' '] : null,
			button('toggle', u.disabled ? 'admin.enable' : 'admin.disable', () => change(u, { disabled: !u.disabled }), !u.disabled)));

	const tbody = h('tbody');
	const count = h('h2');
	const render = () => {
		const words = foldForSearch(view.search).split(/\s+/).filter(Boolean);
		const shown = users.filter((u) => matches(u, words));
		fill(tbody, shown.map(row));
		count.textContent = shown.length === users.length ? t('admin.users', { count: users.length })
			: t('admin.usersShown', { count: shown.length, total: users.length });
	};
	const search = h('input', { type: 'search', name: 'search', value: view.search, autocomplete: 'off', placeholder: t('admin.searchUsers'),
		'aria-label': t('admin.searchUsers'), oninput: (e) => { view.search = e.target.value; render(); } });
	const groupFilter = h('select', { name: 'group', 'aria-label': t('admin.filterGroup'),
		onchange: (e) => { view.group = e.target.value; render(); } },
	h('option', { value: '' }, t('admin.allGroups')),
	groups.map((g) => h('option', { value: g.id, selected: view.group === g.id }, g.name)));
	const statusFilter = h('select', { name: 'status', 'aria-label': t('admin.filterStatus'),
		onchange: (e) => { view.status = e.target.value; render(); } },
	['', 'online', 'active', 'disabled', 'bots'].map((s) => h('option', { value: s, selected: view.status === s }, t('admin.statusFilter.' + (s || 'all')))));
	render();

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
		h('section.admin-section', count,
			h('div.filter-bar', search, groupFilter, statusFilter),
			h('div.table-wrap', h('table.table.users-table',
				h('thead', h('tr', ['admin.username', 'connect.email', 'admin.groups', 'admin.status', 'admin.lastSeen', 'admin.timeOnline',
					'admin.actions'].map((key) => h('th', { scope: 'col' }, t(key))))),
				tbody))),
		h('section.admin-section', h('h2', t('admin.createUser')), create));
}
