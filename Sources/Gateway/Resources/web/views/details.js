// The right column: a room's topic and members, or the other person's profile.

import { h, fill, coalesce } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { avatar, presenceDot, iconButton, botTag } from './ui.js';
import { keepFocus } from './sidebar.js';

const ORDER = { online: 0, away: 1 };

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

	const title = (key) => h('div.details-title', h('h2', t(key)),
		iconButton('close', t('common.close'), actions.closeDetails, { class: 'details-close' }));
	const button = (action, key, onclick, danger) => h('button.button.small', { class: danger ? 'danger' : '',
		'data-key': action, 'data-action': action, onclick }, t(key));

	function draw() {
		const current = state.rooms.get(room);
		if (!current || state.isAnnouncements(current)) return fill(el); // no members there: the shell hides the column
		if (state.isDirect(current)) return fill(el, profile(state.partner(current)));
		const id = current.room;
		const tags = [current.visibility === 'private' ? 'room.private' : 'room.public', current.hasPassword && 'room.password',
			current.nonLeavable && 'room.nonLeavable', current.autoJoin && 'room.autoJoin', current.archived && 'room.archived'];
		const members = state.members.get(id);
		const rank = (m) => ORDER[state.user(m.user)?.presence] ?? 2;
		fill(el,
			h('section.details-section', title('details.about'),
				h('p.details-topic', { dir: 'auto' }, current.topic || t('details.noTopic')),
				h('p.tags', tags.filter(Boolean).map((tag) => h('span.tag', t(tag)))),
				h('div.details-actions', button('invite', 'room.invite', () => actions.invite(id)),
					state.canModerate(current) && button('topic', 'room.changeTopic', () => actions.editTopic(id)),
					!current.nonLeavable && id !== 'main' && button('leave', 'room.leave', () => actions.leave(id), true))),
			!members ? h('p.side-empty', t('details.loadingMembers')) : h('section.details-section',
				h('h2', t('details.members', { count: members.length })),
				h('ul.member-list', { role: 'list' }, [...members]
					.sort((a, b) => rank(a) - rank(b) || state.displayName(a.user).localeCompare(state.displayName(b.user)))
					.map((member) => h('li', h('button.member', { 'data-key': 'm' + member.user, 'data-user': member.user,
						onclick: () => actions.memberMenu(id, member) },
					h('span.avatar-wrap.small', avatar(member.user, state.displayName(member.user), 'small'),
						presenceDot(state.user(member.user)?.presence)),
					h('span.member-name', state.displayName(member.user)), botTag(state.user(member.user)),
					member.role !== 'member' && h('span.role', { class: 'role-' + member.role }, t('role.' + member.role)),
					member.mutedUntil > Date.now() && h('span.role.role-muted', t('role.muted'))))))));
	}

	function profile(id) {
		const user = state.user(id) || { username: '' };
		const rows = [['profile.username', user.username && '@' + user.username], ['profile.email', user.email],
			['profile.phone', user.phone], ['profile.department', user.department]].filter(([, value]) => value);
		return h('section.details-section.profile', title('details.profile'),
			h('div.profile-card',
				h('span.avatar-wrap.large', avatar(id, state.displayName(id), 'large'), presenceDot(user.presence)),
				h('h3', { dir: 'auto' }, state.displayName(id), ' ', botTag(user)),
				h('p.profile-presence', t('presence.' + (user.presence || 'offline')))),
			h('dl.profile-fields', rows.map(([key, value]) => [h('dt', t(key)), h('dd', { dir: 'auto' }, value)])));
	}

	return { el, show(id) { room = id; render(); } };
}
