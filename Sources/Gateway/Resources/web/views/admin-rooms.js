// Admin: every room, private ones and direct conversations included — their metadata, never their
// messages: archive or restore, auto-join, non-leavable, owners.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, foldForSearch, formatShortDateTime, formatNumber } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, toast } from './ui.js';

const REASON_MAX = 256;

const view = { search: '', kind: '' };

export async function roomsPanel(panel) {
	const [rooms, users] = await Promise.all([api('GET', 'admin/rooms'), api('GET', 'admin/users')]);
	const reload = () => roomsPanel(panel);
	const nameOf = (id) => { const u = users.find((x) => x.user === id); return u ? u.displayName || u.username : id; };
	const title = (room) => room.visibility === 'direct'
		? room.room.replace(/^dm_/, '').split('_').map(nameOf).join(' · ') : room.name;
	const change = (room, body) => api('PATCH', 'admin/rooms/' + room.room, body).then(() => { toast(t('settings.saved')); reload(); },
		(e) => toast(errorText(e), 'error'));

	const ownerDialog = async (room) => {
		const members = (await api('GET', `rooms/${room.room}/members`).catch(() => null))?.members;
		// An administrator outside the room cannot list its members: then every account is offered.
		const candidates = members ? members.map((m) => m.user) : users.filter((u) => !u.bot).map((u) => u.user);
		const select = h('select', { name: 'owner' }, candidates.filter((id) => !room.owners.includes(id))
			.map((id) => h('option', { value: id }, nameOf(id))));
		openDialog({ title: t('admin.addOwnerOf', { room: title(room) }), submitLabel: t('admin.makeOwner'),
			body: field(t('admin.owner'), select, t('admin.ownerHint')),
			onSubmit: async () => {
				if (!members?.some((m) => m.user === select.value)) {
					await api('POST', `rooms/${room.room}/moderation`, { user: select.value, action: 'add' });
				}
				await api('POST', `rooms/${room.room}/moderation`, { user: select.value, action: 'owner' });
				toast(t('settings.saved'));
				reload();
			} });
	};

	const deleteDialog = (room) => {
		const reason = h('input', { name: 'reason', maxlength: REASON_MAX, autocomplete: 'off' });
		openDialog({ title: t('admin.deleteRoomOf', { room: title(room) }), submitLabel: t('admin.deleteRoom'),
			body: [h('p', t('admin.deleteRoomWarning', { count: room.members })), field(t('admin.reason'), reason)],
			onSubmit: async () => {
				await api('DELETE', 'admin/rooms/' + room.room, { reason: reason.value.trim() });
				toast(t('admin.roomDeleted', { room: title(room) }));
				reload();
			} });
	};

	const flag = (room, key, label) => {
		const box = checkbox(t(label), { checked: room[key], 'data-flag': key,
			disabled: room.visibility === 'direct' || room.room === 'main' || room.deleted });
		box.input.addEventListener('change', () => change(room, { [key]: box.input.checked }));
		return box.el;
	};
	const row = (room) => h('tr', { 'data-room': room.room, class: room.archived ? 'archived' : '', 'data-deleted': String(room.deleted) },
		h('td', h('strong', { dir: 'auto' }, title(room)), room.topic ? h('div.muted', { dir: 'auto' }, room.topic) : null),
		h('td', t('admin.roomKind.' + room.visibility), room.passwordSet ? h('div.muted', t('admin.roomPassword')) : null,
			room.deleted ? h('div.status-off', t('admin.deleted')) : room.archived ? h('div.status-off', t('admin.archived')) : null),
		h('td', formatNumber(room.members)),
		h('td', room.owners.map(nameOf).join(', ') || '—'),
		h('td', formatNumber(room.messages), room.lastMessageAt ? h('div.muted', formatShortDateTime(room.lastMessageAt)) : null),
		h('td', flag(room, 'autoJoin', 'admin.autoJoin'), flag(room, 'nonLeavable', 'admin.nonLeavable')),
		h('td.actions', room.visibility === 'direct' || room.room === 'main' || room.deleted ? null : [
			h('button.button.small', { 'data-action': 'owner', onclick: () => ownerDialog(room) }, t('admin.addOwner')), ' ',
			h('button.button.small', { class: room.archived ? '' : 'danger', 'data-action': 'archive',
				onclick: () => change(room, { archived: !room.archived }) }, t(room.archived ? 'admin.restore' : 'admin.archive')), ' ',
			h('button.button.small.danger', { 'data-action': 'delete', onclick: () => deleteDialog(room) }, t('admin.deleteRoom'))]));

	const tbody = h('tbody');
	const count = h('h2');
	const render = () => {
		const words = foldForSearch(view.search).split(/\s+/).filter(Boolean);
		const shown = rooms.filter((r) => (!view.kind || r.visibility === view.kind)
			&& words.every((w) => foldForSearch(`${title(r)} ${r.topic}`).includes(w)));
		fill(tbody, shown.map(row));
		count.textContent = t('admin.rooms', { count: shown.length });
	};
	render();
	fill(panel,
		h('section.admin-section', count, h('p.hint', t('admin.roomsIntro')),
			h('div.filter-bar',
				h('input', { type: 'search', name: 'search', value: view.search, placeholder: t('admin.searchRooms'),
					'aria-label': t('admin.searchRooms'), oninput: (e) => { view.search = e.target.value; render(); } }),
				h('select', { name: 'kind', 'aria-label': t('admin.filterKind'), onchange: (e) => { view.kind = e.target.value; render(); } },
					['', 'public', 'private', 'direct'].map((k) => h('option', { value: k, selected: view.kind === k },
						t(k ? 'admin.roomKind.' + k : 'admin.allRooms'))))),
			h('div.table-wrap', h('table.table',
				h('thead', h('tr', ['admin.room', 'admin.kind', 'admin.membersCol', 'admin.owners', 'admin.messagesCol', 'admin.roomOptions',
					'admin.actions'].map((key) => h('th', { scope: 'col' }, t(key))))),
				tbody))));
}
