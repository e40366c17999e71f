// The right column: a room's topic and members, or the other person's profile.

import { h, fill, coalesce } from '../lib/dom.js';
import { t, formatBytes } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { icon } from '../lib/icons.js';
import { fileUrl } from '../lib/files.js';
import { avatar, presenceDot, iconButton, botTag } from './ui.js';
import { keepFocus } from './sidebar.js';

const ORDER = { online: 0, away: 1 };
const RECENT_FILES = 8;

export function createDetails(client, actions) {
	const state = client.state;
	const el = h('aside.details', { id: 'details', 'aria-label': t('details.label') });
	let room = null;
	const files = new Map(); // room → its files, newest first (loaded when shown, again on a file event)
	const render = coalesce(() => keepFocus(el, draw));
	const loadFiles = (id) => api('GET', `rooms/${encodeURIComponent(id)}/files`)
		.then((answer) => { files.set(id, answer.files.reverse()); if (id === room) render(); }).catch(() => {});
	state.on('files', (ev) => { if (ev.room && ev.room === room) loadFiles(room); else if (ev.room) files.delete(ev.room); });
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
		if (state.isDirect(current)) return fill(el, profile(state.partner(current)), filesSection(current.room));
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
					member.mutedUntil > Date.now() && h('span.role.role-muted', t('role.muted'))))))),
			filesSection(id));
	}

	/** The conversation's files panel: the latest few with a download, and all of them in the browser. */
	function filesSection(id) {
		const list = files.get(id);
		return h('section.details-section.details-files', { 'aria-labelledby': 'details-files' },
			h('h2', { id: 'details-files' }, list ? t('details.files', { count: list.length }) : t('details.filesTitle')),
			!list ? h('p.side-empty', t('common.loading')) : !list.length ? h('p.side-empty', t('details.noFiles'))
				: h('ul.file-list', { role: 'list' }, list.slice(0, RECENT_FILES).map((file) => {
					const link = h('a.file-name', { dir: 'auto', download: file.name, 'data-key': 'f' + file.id }, file.name);
					fileUrl(file.id).then((url) => { link.href = url; }).catch(() => {});
					return h('li.file-item', { 'data-file': file.id }, icon('file'), link, h('span.file-meta', formatBytes(file.size)));
				})),
			h('button.button.small', { 'data-key': 'all-files', 'data-action': 'all-files',
				onclick: () => actions.openFiles('room:' + id, '') }, t('details.allFiles')));
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

	return { el, show(id) { room = id; if (!files.has(id) && !state.isAnnouncements(state.rooms.get(id))) loadFiles(id); render(); } };
}
