// Dialogs: create a room, the directory, invite, topic, a member's actions, jump to a date.

import { h, fill } from '../lib/dom.js';
import { t, formatDuration } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, avatar, presenceDot, botTag, toast } from './ui.js';

// Mute durations offered, in minutes: ten minutes, an hour, a day, a week.
const MUTE_MINUTES = [10, 60, 24 * 60, 7 * 24 * 60];

const input = (name, props) => h('input', { name, autocomplete: 'off', ...props });

export function createRoomDialog(client, onCreated) {
	const admin = client.state.can('administer');
	const name = input('name', { required: true, maxlength: 64 });
	const topic = input('topic', { maxlength: 512 });
	const visibility = h('select', { name: 'visibility' },
		['public', 'private'].map((v) => h('option', { value: v }, t('room.' + v))));
	const password = input('password', { type: 'password', autocomplete: 'new-password' });
	const options = ['nonLeavable', 'autoJoin'].map((key) => ({ key, ...checkbox(t('room.' + key), { name: key }) }));
	openDialog({
		title: t('room.createTitle'),
		submitLabel: t('room.create'),
		body: [field(t('room.name'), name), field(t('room.topic'), topic),
			field(t('room.visibility'), visibility, t('room.visibilityHint')),
			field(t('room.passwordOptional'), password, t('room.passwordHint')),
			// Rooms nobody may leave, and rooms everyone joins: administrators only (the server checks too).
			admin && h('fieldset.options', h('legend', t('room.adminOptions')), options.map((o) => o.el))],
		onSubmit: async () => {
			if (!name.value.trim()) throw t('room.nameRequired');
			const fields = { name: name.value.trim(), topic: topic.value.trim(), visibility: visibility.value,
				password: password.value || undefined };
			if (admin) for (const o of options) fields[o.key] = o.input.checked;
			onCreated(await client.createRoom(fields));
		},
	});
}

export async function directoryDialog(client, onOpen) {
	const list = h('ul.directory', { role: 'list' }, h('li', t('common.loading')));
	const filter = h('input', { type: 'search', 'aria-label': t('directory.filter'), placeholder: t('directory.filter') });
	const { error, close } = openDialog({ title: t('directory.title'), body: [filter, list], className: 'wide' });
	const rooms = await client.request('directory').then((r) => r.data, (failure) => { error.textContent = errorText(failure); return []; });
	const entry = (room) => {
		const member = client.state.rooms.has(room.room);
		const password = room.hasPassword && !member
			&& h('input', { type: 'password', 'aria-label': t('directory.password'), placeholder: t('directory.password') });
		const join = async () => {
			try {
				if (!member) await client.join(room.room, password?.value);
				close();
				onOpen(room.room);
			} catch (failure) {
				error.textContent = errorText(failure);
			}
		};
		return h('li.directory-room', { 'data-room': room.room },
			h('div.directory-text', h('strong', (room.hasPassword ? '🔒 ' : '# ') + room.name),
				h('span.muted', t('directory.members', { count: room.memberCount })), room.topic && h('p', { dir: 'auto' }, room.topic)),
			password,
			h('button.button.small', { class: member ? '' : 'primary', onclick: join }, t(member ? 'directory.open' : 'rooms.join')));
	};
	const draw = () => {
		const query = filter.value.trim().toLowerCase();
		const shown = rooms.filter((r) => (r.name + ' ' + r.topic).toLowerCase().includes(query));
		fill(list, shown.length ? shown.map(entry) : h('li.side-empty', t('directory.empty')));
	};
	filter.addEventListener('input', draw);
	draw();
}

export function inviteDialog(client, roomId) {
	const state = client.state;
	const present = new Set((state.members.get(roomId) || []).map((m) => m.user).concat(state.me.user));
	const people = [...state.users.values()].filter((u) => !u.disabled && !u.bot && !present.has(u.user))
		.sort((a, b) => state.displayName(a.user).localeCompare(state.displayName(b.user)));
	const select = h('select', { name: 'user' }, people.map((u) => h('option', { value: u.user },
		`${state.displayName(u.user)} (@${u.username})`)));
	openDialog({
		title: t('room.inviteTitle', { name: state.roomTitle(state.rooms.get(roomId)) }),
		submitLabel: t('room.invite'),
		body: people.length ? field(t('room.person'), select) : h('p', t('room.nobodyToInvite')),
		onSubmit: async () => {
			if (!select.value) return;
			await client.request('invite', { room: roomId, user: select.value });
			toast(t('room.invited', { name: state.displayName(select.value) }));
		},
	});
}

export function topicDialog(client, room) {
	const topic = h('textarea', { name: 'topic', maxlength: 512, rows: 3 }, client.state.rooms.get(room).topic);
	openDialog({ title: t('room.changeTopic'), submitLabel: t('common.save'), body: field(t('room.topic'), topic),
		onSubmit: () => client.request('topic', { room, topic: topic.value.trim() }) });
}

export function confirmDialog(title, text, confirmLabel, action) {
	openDialog({ title, body: h('p', text), submitLabel: confirmLabel, onSubmit: action });
}

export function memberDialog(client, room, member, actions) {
	const state = client.state;
	const user = state.user(member.user);
	const self = member.user === state.me.user;
	const owner = state.rooms.get(room).role === 'owner' || state.can('administer');
	// From Announcements (an author's name): no room, so no role to show.
	const role = !state.isAnnouncements(state.rooms.get(room)) && [' · ', t('role.' + member.role)];
	const minutes = h('select', { 'aria-label': t('moderation.duration') },
		MUTE_MINUTES.map((m) => h('option', { value: m }, formatDuration(m))));
	const reason = input('reason', { 'aria-label': t('moderation.reason'), placeholder: t('moderation.reason'), maxlength: 200 });
	// The reason and the duration are read when the button is clicked.
	const button = (action, extra = () => ({}), danger = false) => h('button.button.small', {
		class: danger ? 'danger' : '', 'data-action': action, onclick: async () => {
			try {
				await client.request('moderate', { room, user: member.user, action, ...extra() });
				dialog.close();
			} catch (failure) {
				dialog.error.textContent = errorText(failure);
			}
		} }, t('moderation.' + action));
	const why = () => ({ reason: reason.value });
	const dialog = openDialog({
		title: state.displayName(member.user),
		body: [
			h('div.person-head', h('span.avatar-wrap', avatar(member.user, state.displayName(member.user)), presenceDot(user?.presence)),
				h('span', '@' + (user?.username || ''), role), botTag(user)),
			!self && state.can('directMessages') && h('button.button.primary', { 'data-action': 'direct',
				onclick: () => { dialog.close(); actions.openDirect(member.user); } }, t('profile.message')),
			!self && state.canModerate(state.rooms.get(room)) && h('fieldset.options.moderation', h('legend', t('moderation.title')),
				reason,
				h('div.button-row', button('kick', why, true), button('ban', why, true)),
				h('div.button-row', member.mutedUntil > Date.now() ? button('unmute')
					: [minutes, button('mute', () => ({ minutes: Number(minutes.value) }))]),
				owner && member.role !== 'owner' && h('div.button-row', button(member.role === 'member' ? 'op' : 'deop'))),
		],
	});
}

export function jumpDialog(onJump) {
	// The user's local date, as the date input shows it.
	const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
	const date = h('input', { type: 'date', name: 'date', required: true, max: today });
	openDialog({
		title: t('jump.title'),
		submitLabel: t('jump.go'),
		body: field(t('jump.date'), date),
		onSubmit: async () => {
			if (!date.value) throw t('jump.required');
			const [y, m, d] = date.value.split('-').map(Number);
			await onJump(new Date(y, m - 1, d));
		},
	});
}
