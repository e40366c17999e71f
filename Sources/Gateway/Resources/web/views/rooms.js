// Dialogs: create a room, the directory, invite, topic, a member's actions, jump to a date.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, avatar, presenceDot, toast } from './ui.js';

export function createRoomDialog(client, onCreated) {
	const state = client.state;
	const name = h('input', { name: 'name', required: true, maxlength: 64, autocomplete: 'off' });
	const topic = h('input', { name: 'topic', maxlength: 512, autocomplete: 'off' });
	const visibility = h('select', { name: 'visibility' },
		h('option', { value: 'public' }, t('room.public')), h('option', { value: 'private' }, t('room.private')));
	const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
	const nonLeavable = checkbox(t('room.nonLeavable'), { name: 'nonLeavable' });
	const autoJoin = checkbox(t('room.autoJoin'), { name: 'autoJoin' });
	const admin = state.can('administer');
	openDialog({
		title: t('room.createTitle'),
		submitLabel: t('room.create'),
		body: [
			field(t('room.name'), name),
			field(t('room.topic'), topic),
			field(t('room.visibility'), visibility, t('room.visibilityHint')),
			field(t('room.passwordOptional'), password, t('room.passwordHint')),
			admin ? h('fieldset.options', h('legend', t('room.adminOptions')), nonLeavable.el, autoJoin.el) : null,
		],
		onSubmit: async () => {
			if (!name.value.trim()) throw t('room.nameRequired');
			const fields = { name: name.value.trim(), topic: topic.value.trim(), visibility: visibility.value };
			if (password.value) fields.password = password.value;
			if (admin) Object.assign(fields, { nonLeavable: nonLeavable.input.checked, autoJoin: autoJoin.input.checked });
			onCreated(await client.createRoom(fields));
		},
	});
}

export async function directoryDialog(client, onOpen) {
	const state = client.state;
	const list = h('ul.directory', { role: 'list' }, h('li', t('common.loading')));
	const filter = h('input', { type: 'search', 'aria-label': t('directory.filter'), placeholder: t('directory.filter') });
	const { error, close } = openDialog({ title: t('directory.title'), body: [filter, list], className: 'wide' });
	let rooms = [];
	try {
		rooms = (await client.request('directory')).data;
	} catch (failure) {
		error.textContent = errorText(failure);
	}
	const draw = () => {
		const query = filter.value.trim().toLowerCase();
		const shown = rooms.filter((r) => !query || r.name.toLowerCase().includes(query) || r.topic.toLowerCase().includes(query));
		fill(list, shown.length ? shown.map((room) => entry(room)) : h('li.side-empty', t('directory.empty')));
	};
	function entry(room) {
		const member = state.rooms.has(room.room);
		const password = room.hasPassword && !member ? h('input', { type: 'password', 'aria-label': t('directory.password'),
			placeholder: t('directory.password'), autocomplete: 'off' }) : null;
		const join = async () => {
			error.textContent = '';
			try {
				if (!member) await client.join(room.room, password?.value);
				close();
				onOpen(room.room);
			} catch (failure) {
				error.textContent = errorText(failure);
			}
		};
		return h('li.directory-room', { 'data-room': room.room },
			h('div.directory-text',
				h('strong', (room.hasPassword ? '🔒 ' : '# ') + room.name),
				h('span.muted', t('directory.members', { count: room.memberCount })),
				room.topic ? h('p', { dir: 'auto' }, room.topic) : null),
			password,
			h('button', { class: 'button small' + (member ? '' : ' primary'), onclick: join },
				member ? t('directory.open') : t('rooms.join')));
	}
	filter.addEventListener('input', draw);
	draw();
}

export function inviteDialog(client, roomId) {
	const state = client.state;
	const inRoom = new Set((state.members.get(roomId) || []).map((m) => m.user));
	const people = [...state.users.values()].filter((u) => !u.disabled && !u.bot && !inRoom.has(u.user) && u.user !== state.me.user)
		.sort((a, b) => state.displayName(a.user).localeCompare(state.displayName(b.user)));
	const select = h('select', { name: 'user', required: true },
		people.map((u) => h('option', { value: u.user }, `${state.displayName(u.user)} (@${u.username})`)));
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

export function topicDialog(client, roomId) {
	const room = client.state.rooms.get(roomId);
	const topic = h('textarea', { name: 'topic', maxlength: 512, rows: 3 });
	topic.value = room.topic;
	openDialog({
		title: t('room.changeTopic'),
		submitLabel: t('common.save'),
		body: field(t('room.topic'), topic),
		onSubmit: () => client.request('topic', { room: roomId, topic: topic.value.trim() }),
	});
}

export function confirmDialog(title, text, confirmLabel, action) {
	openDialog({ title, body: h('p', text), submitLabel: confirmLabel, onSubmit: action, className: 'confirm' });
}

export function memberDialog(client, roomId, member, actions) {
	const state = client.state;
	const room = state.rooms.get(roomId);
	const user = state.user(member.user);
	const self = member.user === state.me.user;
	const moderate = !self && state.canModerate(room);
	const owner = room.role === 'owner' || state.can('administer');
	const minutes = h('select', { 'aria-label': t('moderation.duration') },
		[10, 60, 1440].map((m) => h('option', { value: m }, t('moderation.minutes', { count: m }))));
	const reason = h('input', { 'aria-label': t('moderation.reason'), placeholder: t('moderation.reason'), maxlength: 200 });
	let dialog;
	// `extra` is read when clicked: the reason and duration are what the fields hold then.
	const run = (action, extra = () => ({})) => async () => {
		try {
			await client.request('moderate', { room: roomId, user: member.user, action, ...extra() });
			dialog.close();
		} catch (failure) {
			dialog.error.textContent = errorText(failure);
		}
	};
	const button = (label, action, extra, danger) => h('button', { class: 'button small' + (danger ? ' danger' : ''),
		'data-action': action, onclick: run(action, extra) }, label);
	const muted = member.mutedUntil && member.mutedUntil > Date.now();
	dialog = openDialog({
		title: state.displayName(member.user),
		body: [
			h('div.person-head',
				h('span.avatar-wrap', avatar(member.user, state.displayName(member.user)), presenceDot(user?.presence)),
				h('span', '@' + (user?.username || ''), ' · ', t('role.' + member.role))),
			!self && state.can('directMessages') ? h('button.button.primary', { 'data-action': 'direct',
				onclick: () => { dialog.close(); actions.openDirect(member.user); } }, t('profile.message')) : null,
			moderate ? h('fieldset.options.moderation', h('legend', t('moderation.title')),
				reason,
				h('div.button-row',
					button(t('moderation.kick'), 'kick', () => ({ reason: reason.value }), true),
					button(t('moderation.ban'), 'ban', () => ({ reason: reason.value }), true)),
				h('div.button-row', muted ? button(t('moderation.unmute'), 'unmute')
					: [minutes, button(t('moderation.mute'), 'mute', () => ({ minutes: Number(minutes.value) }))]),
				owner ? h('div.button-row', member.role === 'member' ? button(t('moderation.op'), 'op')
					: member.role === 'operator' ? button(t('moderation.deop'), 'deop') : null) : null) : null,
		],
	});
}

export function jumpDialog(onJump) {
	const date = h('input', { type: 'date', name: 'date', required: true, max: new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10) });
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
