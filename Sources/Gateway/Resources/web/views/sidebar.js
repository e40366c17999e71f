// The left column: rooms, invitations, direct conversations, people online, work, admin.

import { h, fill, coalesce } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { avatar, presenceDot, iconButton } from './ui.js';

export function createSidebar(client, actions) {
	const state = client.state;
	const el = h('nav.sidebar', { id: 'sidebar', 'aria-label': t('sidebar.label') });

	const render = coalesce(() => keepFocus(el, () => fill(el,
		head(), switcherButton(), rooms(), invitations(), directs(), people(), work(), foot())));
	for (const topic of ['rooms', 'users', 'me', 'server', 'invitations', 'current', 'status']) state.on(topic, render);

	function head() {
		const me = state.me;
		return h('header.sidebar-head',
			h('h1.server-name', { title: state.server.name }, state.server.name),
			h('button.me-card', { 'data-key': 'me', onclick: actions.openSettings,
				'aria-label': t('sidebar.settingsFor', { name: state.displayName(me.user) }) },
				h('span.avatar-wrap', avatar(me.user, state.displayName(me.user)),
					presenceDot(state.status === 'online' ? state.user(me.user)?.presence || 'online' : 'offline')),
				h('span.me-name', state.displayName(me.user)),
				icon('settings')));
	}

	function switcherButton() {
		return h('button.switcher-button', { 'data-key': 'switcher', onclick: actions.openSwitcher },
			icon('search'), h('span', t('sidebar.find')), h('kbd', navigator.platform.startsWith('Mac') ? '⌘K' : 'Ctrl+K'));
	}

	function section(key, title, tools, items, empty) {
		return h('section.side-section', { 'aria-labelledby': 'side-' + key },
			h('div.side-title', h('h2', { id: 'side-' + key }, title), tools),
			items.length ? h('ul.nav-list', { role: 'list' }, items) : empty ? h('p.side-empty', empty) : null);
	}

	function badges(room) {
		return [
			room.mentions ? h('span.badge.mention-badge', { 'aria-label': t('sidebar.mentions', { count: room.mentions }) },
				'@' + room.mentions) : null,
			room.unread ? h('span.badge', { 'aria-label': t('sidebar.unread', { count: room.unread }) },
				room.unread > 99 ? '99+' : String(room.unread)) : null,
		];
	}

	function roomItem(room) {
		const current = state.current === room.room;
		return h('li', h('button', {
			class: 'nav-item' + (room.unread ? ' unread' : ''), 'data-room': room.room, 'data-key': 'r' + room.room,
			'aria-current': current ? 'page' : null, onclick: () => actions.openRoom(room.room),
		}, h('span.nav-icon', icon(room.visibility === 'private' || room.hasPassword ? 'lock' : 'hash')),
		h('span.nav-name', room.name), badges(room)));
	}

	function rooms() {
		const tools = h('span.side-tools',
			iconButton('search', t('sidebar.browse'), actions.openDirectory, { 'data-key': 'browse', 'data-action': 'browse' }),
			state.can('createRooms') ? iconButton('plus', t('sidebar.create'), actions.createRoom,
				{ 'data-key': 'create', 'data-action': 'create-room' }) : null);
		return section('rooms', t('sidebar.rooms'), tools, state.roomList().map(roomItem));
	}

	function invitations() {
		const list = [...state.invitations.values()];
		if (!list.length) return null;
		return section('invites', t('sidebar.invitations'), null, list.map((invite) => h('li.invite',
			h('span', t('sidebar.invitedBy', { name: state.displayName(invite.by) })),
			h('button.button.small', { 'data-key': 'i' + invite.room,
				onclick: () => actions.join(invite.room) }, t('rooms.join')))));
	}

	function personItem(userId, room) {
		const user = state.user(userId);
		const current = room && state.current === room.room;
		return h('li', h('button', {
			class: 'nav-item person' + (room?.unread ? ' unread' : ''), 'data-key': (room ? 'd' : 'p') + userId,
			'data-user': userId, 'data-room': room?.room, 'aria-current': current ? 'page' : null,
			onclick: () => (room ? actions.openRoom(room.room) : actions.openDirect(userId)),
		}, h('span.avatar-wrap.small', avatar(userId, state.displayName(userId), 'small'),
			presenceDot(user?.presence)),
		h('span.nav-name', state.displayName(userId)), room ? badges(room) : null));
	}

	function directs() {
		const list = state.directList();
		if (!list.length && !state.can('directMessages')) return null;
		return section('directs', t('sidebar.directs'), null, list.map((room) => personItem(state.partner(room), room)),
			t('sidebar.noDirects'));
	}

	function people() {
		const online = [...state.users.values()]
			.filter((u) => u.user !== state.me.user && !u.disabled && u.presence !== 'offline')
			.sort((a, b) => state.displayName(a.user).localeCompare(state.displayName(b.user)));
		return section('people', t('sidebar.online', { count: online.length }), null,
			online.slice(0, 200).map((u) => personItem(u.user, null)), t('sidebar.nobodyOnline'));
	}

	// Kanban and bulletin board: shown once the server has them (state.features) and the right.
	function work() {
		const items = [
			state.features.kanban && state.can('kanban') ? ['board', 'sidebar.kanban', actions.openKanban] : null,
			state.features.bulletin ? ['bell', 'sidebar.bulletin', actions.openBulletin] : null,
		].filter(Boolean);
		if (!items.length) return null;
		return section('work', t('sidebar.work'), null, items.map(([name, key, fn]) => h('li',
			h('button.nav-item', { 'data-key': key, onclick: fn }, h('span.nav-icon', icon(name)),
				h('span.nav-name', t(key))))));
	}

	function foot() {
		return h('footer.sidebar-foot',
			state.can('administer') ? h('a.nav-item', { href: 'admin.html', 'data-key': 'admin' },
				h('span.nav-icon', icon('shield')), h('span.nav-name', t('sidebar.admin'))) : null,
			h('button.nav-item', { 'data-key': 'logout', onclick: actions.logout },
				h('span.nav-icon', icon('logout')), h('span.nav-name', t('sidebar.logout'))));
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
