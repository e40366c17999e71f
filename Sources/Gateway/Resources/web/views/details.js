// The right column: a room's topic and members, or the other person's profile.

import { h, fill, coalesce } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { avatar, presenceDot, iconButton } from './ui.js';
import { keepFocus } from './sidebar.js';

const PRESENCE_ORDER = { online: 0, away: 1, offline: 2 };

export function createDetails(client, actions) {
	const state = client.state;
	const el = h('aside.details', { id: 'details', 'aria-label': t('details.label') });
	let room = null;

	const render = coalesce(() => keepFocus(el, draw));
	for (const topic of ['users', 'rooms', 'me']) state.on(topic, render);
	state.on('members', (id) => {
		if (id !== room) return;
		if (!state.members.has(id)) client.loadMembers(id);
		render();
	});

	function draw() {
		const current = state.rooms.get(room);
		if (!current) return fill(el);
		if (state.isDirect(current)) return fill(el, profile(state.partner(current)));
		fill(el, roomInfo(current), memberList(current));
	}

	function roomInfo(current) {
		const tags = [
			current.visibility === 'private' ? t('room.private') : t('room.public'),
			current.hasPassword ? t('room.password') : null,
			current.nonLeavable ? t('room.nonLeavable') : null,
			current.autoJoin ? t('room.autoJoin') : null,
			current.archived ? t('room.archived') : null,
		].filter(Boolean);
		const leavable = !current.nonLeavable && current.room !== 'main';
		return h('section.details-section',
			h('div.details-title', h('h2', t('details.about')),
				iconButton('close', t('common.close'), actions.closeDetails, { class: 'details-close' })),
			h('p.details-topic', { dir: 'auto' }, current.topic || t('details.noTopic')),
			h('p.tags', tags.map((tag) => h('span.tag', tag))),
			h('div.details-actions',
				h('button.button.small', { 'data-key': 'invite', 'data-action': 'invite',
					onclick: () => actions.invite(current.room) }, t('room.invite')),
				state.canModerate(current) ? h('button.button.small', { 'data-key': 'topic',
					'data-action': 'topic', onclick: () => actions.editTopic(current.room) }, t('room.changeTopic')) : null,
				leavable ? h('button.button.small.danger', { 'data-key': 'leave', 'data-action': 'leave',
					onclick: () => actions.leave(current.room) }, t('room.leave')) : null));
	}

	function memberList(current) {
		const members = state.members.get(current.room);
		if (!members) return h('p.side-empty', t('details.loadingMembers'));
		const sorted = [...members].sort((a, b) =>
			(PRESENCE_ORDER[state.user(a.user)?.presence] ?? 2) - (PRESENCE_ORDER[state.user(b.user)?.presence] ?? 2)
			|| state.displayName(a.user).localeCompare(state.displayName(b.user)));
		return h('section.details-section',
			h('h2', t('details.members', { count: members.length })),
			h('ul.member-list', { role: 'list' }, sorted.map((member) => {
				const user = state.user(member.user);
				const muted = member.mutedUntil && member.mutedUntil > Date.now();
				return h('li', h('button.member', { 'data-key': 'm' + member.user,
					'data-user': member.user, onclick: () => actions.memberMenu(current.room, member) },
				h('span.avatar-wrap.small', avatar(member.user, state.displayName(member.user), 'small'),
					presenceDot(user?.presence)),
				h('span.member-name', state.displayName(member.user)),
				member.role !== 'member' ? h('span', { class: 'role role-' + member.role }, t('role.' + member.role)) : null,
				muted ? h('span.role.role-muted', t('role.muted')) : null));
			})));
	}

	function profile(userId) {
		const user = state.user(userId) || { user: userId, username: '', displayName: userId };
		const rows = [
			['profile.username', '@' + user.username], ['profile.email', user.email], ['profile.phone', user.phone],
			['profile.department', user.department],
		].filter(([, value]) => value && value !== '@');
		return h('section.details-section.profile',
			h('div.details-title', h('h2', t('details.profile')),
				iconButton('close', t('common.close'), actions.closeDetails, { class: 'details-close' })),
			h('div.profile-card',
				h('span.avatar-wrap.large', avatar(userId, state.displayName(userId), 'large'), presenceDot(user.presence)),
				h('h3', { dir: 'auto' }, state.displayName(userId)),
				h('p.profile-presence', t('presence.' + (user.presence || 'offline')))),
			h('dl.profile-fields', rows.map(([key, value]) => [h('dt', t(key)), h('dd', { dir: 'auto' }, value)])));
	}

	return {
		el,
		show(id) { room = id; render(); },
	};
}
