// The left column: Announcements, rooms, invitations, direct conversations, people online, work, admin.

import { h, fill, coalesce } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { plainPreview } from '../lib/format.js';
import { ANNOUNCEMENTS } from '../lib/state.js';
import { avatar, presenceDot, iconButton, botTag } from './ui.js';

/** "Alice invited you to #design", or "…to a room" when the server did not name it (older servers). */
export function invitationText(state, invitation) {
	const name = state.displayName(invitation.by);
	return invitation.name ? t('sidebar.invitedTo', { name, room: invitation.name }) : t('sidebar.invitedBy', { name });
}

export function createSidebar(client, actions) {
	const state = client.state;
	const el = h('nav.sidebar', { id: 'sidebar', 'aria-label': t('sidebar.label') });
	const render = coalesce(() => keepFocus(el, () => fill(el,
		head(), h('button.switcher-button', { 'data-key': 'switcher', onclick: actions.openSwitcher }, icon('search'),
			h('span', t('sidebar.find')), h('kbd', navigator.platform.startsWith('Mac') ? '⌘K' : 'Ctrl+K')),
		announcements(), rooms(), invitations(), directs(), people(), work(), foot())));
	for (const topic of ['rooms', 'users', 'me', 'server', 'invitations', 'current', 'status', 'screen', 'summary']) state.on(topic, render);

	function head() {
		const me = state.me.user;
		return h('header.sidebar-head', h('h1.server-name', { title: state.server.name }, state.server.name),
			h('button.me-card', { 'data-key': 'me', onclick: actions.openSettings,
				'aria-label': t('sidebar.settingsFor', { name: state.displayName(me) }) },
			h('span.avatar-wrap', avatar(me, state.displayName(me)),
				presenceDot(state.status === 'online' ? state.user(me)?.presence || 'online' : 'offline')),
			h('span.me-name', state.displayName(me)), icon('settings')));
	}

	function section(key, title, tools, items, empty, more) {
		return h('section.side-section', { 'aria-labelledby': 'side-' + key },
			h('div.side-title', h('h2', { id: 'side-' + key }, title), tools),
			items.length ? h('ul.nav-list', { role: 'list' }, items) : empty && h('p.side-empty', empty),
			more && h('ul.nav-list', { role: 'list' }, more));
	}

	/** A room or conversation entry: bold when unread, a badge for mentions and one for the count. */
	function item(room, key, content, onclick, user) {
		return h('li', h('button.nav-item', { class: (user ? 'person ' : '') + (room?.unread ? 'unread' : ''), 'data-key': key,
			'data-room': room?.room, 'data-user': user, 'aria-current': room && !state.screen && state.current === room.room ? 'page' : null, onclick },
		content,
		room?.mentions > 0 && h('span.badge.mention-badge', { 'aria-label': t('sidebar.mentions', { count: room.mentions }) },
			'@' + room.mentions),
		room?.unread > 0 && h('span.badge', { 'aria-label': t('sidebar.unread', { count: room.unread }) },
			room.unread > 99 ? '99+' : String(room.unread))));
	}

	/** Announcements, above the rooms once a first one has arrived: bold with a count while unread. */
	function announcements() {
		return state.hasAnnouncements() && h('ul.nav-list.announcements-entry', { role: 'list' },
			item(state.rooms.get(ANNOUNCEMENTS), 'announcements', [h('span.nav-icon', icon('megaphone')),
				h('span.nav-name', t('announcements.title'))], () => actions.openRoom(ANNOUNCEMENTS)));
	}

	function rooms() {
		return section('rooms', t('sidebar.rooms'), h('span.side-tools',
			iconButton('search', t('sidebar.browse'), actions.openDirectory, { 'data-key': 'browse', 'data-action': 'browse' }),
			state.can('createRooms') && iconButton('plus', t('sidebar.create'), actions.createRoom,
				{ 'data-key': 'create', 'data-action': 'create-room' })),
		state.roomList().map((room) => item(room, 'r' + room.room, [
			h('span.nav-icon', icon(room.visibility === 'private' || room.hasPassword ? 'lock' : 'hash')),
			h('span.nav-name', room.name)], () => actions.openRoom(room.room))));
	}

	/** Each invitation with who sent it, the room and its topic when known, Join and Decline. */
	function invitations() {
		const list = [...state.invitations.values()];
		return list.length > 0 && section('invites', t('sidebar.invitations'), null, list.map((invite) => h('li.invite',
			{ 'data-room': invite.room },
			h('p.invite-text', { dir: 'auto' }, invitationText(state, invite),
				invite.topic && h('span.invite-topic', ' — ' + plainPreview(invite.topic, 80))),
			h('div.invite-actions',
				h('button.button.small.primary', { 'data-key': 'i' + invite.room, 'data-action': 'join-invitation',
					onclick: () => actions.join(invite.room) }, t('rooms.join')),
				h('button.button.small.on-dark', { 'data-key': 'x' + invite.room, 'data-action': 'decline-invitation',
					onclick: () => actions.declineInvitation(invite.room) }, t('sidebar.decline'))))));
	}

	function person(user, room) {
		return item(room, (room ? 'd' : 'p') + user, [
			h('span.avatar-wrap.small', avatar(user, state.displayName(user), 'small'), presenceDot(state.user(user)?.presence)),
			h('span.nav-name', state.displayName(user)), botTag(state.user(user))],
		() => (room ? actions.openRoom(room.room) : actions.openDirect(user)), user);
	}

	function directs() {
		const list = state.directList();
		return (list.length > 0 || state.can('directMessages')) && section('directs', t('sidebar.directs'), null,
			list.map((room) => person(state.partner(room), room)), t('sidebar.noDirects'));
	}

	/** Who is online (a short list), then everyone in the directory: offline colleagues too. */
	function people() {
		const online = [...state.users.values()].filter((u) => u.user !== state.me.user && !u.disabled && u.presence !== 'offline')
			.sort((a, b) => state.displayName(a.user).localeCompare(state.displayName(b.user)));
		return section('people', t('sidebar.online', { count: online.length }), null,
			online.slice(0, 200).map((u) => person(u.user)), t('sidebar.nobodyOnline'),
			h('li', h('button.nav-item', { 'data-key': 'people', 'data-action': 'people', onclick: actions.openPeople },
				h('span.nav-icon', icon('people')), h('span.nav-name', t('sidebar.allPeople')))));
	}

	// Files, the Kanban boards (with the right: administrators see every board) and the bulletin
	// board, bold with a count while notices are unread. Boards and the bulletin open full width.
	function work() {
		const unread = client.bulletin?.unread ?? 0; // a sidebar drawn from a bare state (tests) has none
		const entry = (name, key, fn, screen, count = 0) => h('li', h('button.nav-item', { class: count ? 'unread' : '',
			'data-key': key, 'data-action': 'open-' + (screen || 'files'), 'aria-current': screen && state.screen === screen ? 'page' : null,
			onclick: () => fn() },
		h('span.nav-icon', icon(name)), h('span.nav-name', t(key)),
		count > 0 && h('span.badge', { 'aria-label': t('sidebar.unreadNotices', { count }) }, count > 99 ? '99+' : String(count))));
		return section('work', t('sidebar.work'), null, [
			entry('folder', 'sidebar.files', () => actions.openFiles('personal', '')),
			state.features.kanban && (state.can('kanban') || state.can('administer')) && entry('board', 'sidebar.kanban', actions.openKanban, 'boards'),
			state.features.bulletin && entry('bell', 'sidebar.bulletin', actions.openBulletin, 'bulletin', unread)].filter(Boolean));
	}

	function foot() {
		const entry = (name, key, text) => [h('span.nav-icon', icon(name)), h('span.nav-name', t(text))];
		return h('footer.sidebar-foot',
			state.can('administer') && h('a.nav-item', { href: 'admin.html', 'data-key': 'admin' }, entry('shield', 'admin', 'sidebar.admin')),
			h('button.nav-item', { 'data-key': 'logout', onclick: actions.logout }, entry('logout', 'logout', 'sidebar.logout')));
	}

	render();
	return { el, render };
}

/** Redraws without losing keyboard focus: the element with the same data-key gets it back. */
export function keepFocus(container, redraw) {
	const active = document.activeElement;
	const key = container.contains(active) ? active.closest('[data-key]')?.dataset.key : null;
	redraw();
	if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}
