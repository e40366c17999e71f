// The chat screen: three columns that become drawers on narrow screens; wires the client to
// the views, keyboard shortcuts, notifications, the tab title and idle presence.

import { h, fill, coalesce } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { ChatClient } from '../lib/client.js';
import { t } from '../lib/i18n.js';
import { notify, showUnread } from '../lib/notify.js';
import { plainPreview } from '../lib/format.js';
import { icon } from '../lib/icons.js';
import { createSidebar } from './sidebar.js';
import { createTimeline } from './timeline.js';
import { createComposer } from './composer.js';
import { createDetails } from './details.js';
import { iconButton, toast, errorText } from './ui.js';

// Dialogs load on first use: the first screen parses less script.
const lazy = (load, name) => async (...args) => (await load())[name](...args);
const rooms = () => import('./rooms.js');
const [createRoomDialog, directoryDialog, inviteDialog, topicDialog, confirmDialog, memberDialog, jumpDialog] =
	['createRoomDialog', 'directoryDialog', 'inviteDialog', 'topicDialog', 'confirmDialog', 'memberDialog', 'jumpDialog']
		.map((name) => lazy(rooms, name));
const openSwitcher = lazy(() => import('./switcher.js'), 'openSwitcher');
const settingsDialog = lazy(() => import('./settings.js'), 'settingsDialog');

const LAST_ROOM_KEY = 'causerie.room';
const AWAY_AFTER_MS = 5 * 60 * 1000;

export function startShell(root, { token, serverPassword, onEnded }) {
	let ended = false;
	const cleanups = [];
	const client = new ChatClient({ token, serverPassword, onEnded: (reason, error) => end(reason, { error }) });
	const state = client.state;

	function end(reason, options = {}) {
		if (ended) return;
		ended = true;
		client.stop();
		for (const fn of cleanups) fn();
		document.querySelectorAll('dialog').forEach((d) => d.remove());
		onEnded(reason, options);
	}

	fill(root, h('main.connect', h('p.boot', { role: 'status' }, t('status.connecting'))));
	state.on('ready', () => {
		if (state.me.mustChangePassword) return end('must_change_password');
		build();
	});
	client.start();

	function build() {
		const actions = makeActions();
		const sidebar = createSidebar(client, actions);
		const timeline = createTimeline(client, actions);
		const composer = createComposer(client, actions);
		const details = createDetails(client, actions);
		const header = h('header.conv-head');
		const banner = h('div.banner', { role: 'status', hidden: true });
		const typing = h('div.typing', { 'aria-live': 'polite' });
		const scrim = h('div.scrim', { onclick: () => setDrawer('') });
		const conversation = h('main.conversation', { 'aria-labelledby': 'conv-title' },
			header, banner, timeline.el, typing, composer.el);
		const shell = h('div.shell', sidebar.el, conversation, details.el, scrim);
		fill(root, shell);
		Object.assign(actions, { timeline, composer });

		function setDrawer(which) {
			shell.dataset.drawer = which;
			if (which === 'left') sidebar.el.querySelector('[aria-current="page"], button')?.focus();
		}
		actions.setDrawer = setDrawer;
		actions.closeDetails = () => {
			if (shell.dataset.drawer === 'right') setDrawer('');
			else shell.classList.add('details-hidden');
		};
		const toggleDetails = () => {
			if (matchMedia('(max-width: 900px)').matches) setDrawer(shell.dataset.drawer === 'right' ? '' : 'right');
			else shell.classList.toggle('details-hidden');
		};

		const drawHeader = coalesce(() => {
			const room = state.rooms.get(state.current);
			if (!room) return fill(header);
			const direct = state.isDirect(room);
			const partner = direct ? state.user(state.partner(room)) : null;
			fill(header,
				iconButton('menu', t('header.rooms'), () => setDrawer('left'), { class: 'only-narrow' }),
				h('div.conv-title',
					h('h2', { id: 'conv-title', dir: 'auto' }, direct ? '' : h('span.conv-hash', { 'aria-hidden': 'true' },
						icon(room.visibility === 'private' || room.hasPassword ? 'lock' : 'hash')), state.roomTitle(room)),
					h('p.conv-topic', { dir: 'auto', title: room.topic || '' },
						direct ? t('presence.' + (partner?.presence || 'offline')) : room.topic || '')),
				h('div.conv-tools',
					iconButton('calendar', t('header.jump'), () => jumpDialog((date) => client.jumpToDate(room.room, date)
						.then(() => timeline.reposition())), { 'data-action': 'jump' }),
					iconButton('people', direct ? t('header.profile') : t('header.members'), toggleDetails,
						{ 'data-action': 'details' })));
		});
		for (const topic of ['rooms', 'current', 'users']) state.on(topic, drawHeader);

		const drawBanner = () => {
			const status = state.status;
			banner.hidden = status === 'online';
			banner.className = 'banner banner-' + status;
			if (status !== 'online') {
				fill(banner, h('span', status === 'connecting' ? t('status.connecting') : t('status.offline')),
					status === 'offline' ? h('button.link', { onclick: () => client.connection.reconnectNow() },
						t('status.retryNow')) : null);
			}
		};
		state.on('status', drawBanner);

		let typingTimer = null;
		const drawTyping = () => {
			const names = state.typists(state.current).map((id) => state.displayName(id));
			typing.textContent = names.length === 0 ? '' : names.length === 1 ? t('typing.one', { name: names[0] })
				: names.length === 2 ? t('typing.two', { a: names[0], b: names[1] }) : t('typing.many', { count: names.length });
			clearTimeout(typingTimer);
			if (names.length) typingTimer = setTimeout(drawTyping, 1000);
		};
		state.on('typing', (room) => { if (room === state.current) drawTyping(); });

		state.on('current', ({ room, changed }) => {
			if (changed || !state.timelines.get(room)?.loaded) timeline.show(room);
			if (changed) {
				composer.show(room);
				details.show(room);
				drawTyping();
				localStorage.setItem(LAST_ROOM_KEY, room);
				if (shell.dataset.drawer) setDrawer('');
			}
		});

		const drawTitle = coalesce(() => showUnread(state.server.name, state.totalUnread()));
		state.on('rooms', drawTitle);
		state.on('server', drawTitle);
		state.on('message', ({ event, live, room }) => {
			if (!live || !room || event.author === state.me.user) return;
			const direct = state.isDirect(room);
			const mentioned = (event.mentions || []).includes(state.me.user);
			if (!direct && !mentioned) return;
			if (!document.hidden && document.hasFocus() && state.current === room.room) return;
			const who = state.displayName(event.author);
			notify(direct ? who : t('notifications.mention', { name: who, room: room.name }), plainPreview(event.text),
				room.room, () => actions.openRoom(room.room));
		});
		state.on('removed', ({ room, name, kind, mine }) => {
			if (!mine) toast(t('notice.removed.' + kind, { name: name || '' }), 'error');
			if (state.current === room) actions.openRoom('main');
		});
		state.on('invited', (ev) => {
			toast(t('sidebar.invitedBy', { name: state.displayName(ev.actor) }));
			notify(state.server.name, t('sidebar.invitedBy', { name: state.displayName(ev.actor) }), 'invite');
		});
		state.on('broadcast', (ev) => {
			toast(t('broadcast.from', { text: plainPreview(ev.text, 300) }), 'broadcast');
			notify(state.server.name, plainPreview(ev.text), 'broadcast');
		});

		installKeys(actions);
		installIdle();
		drawBanner();
		drawTitle();
		const saved = localStorage.getItem(LAST_ROOM_KEY);
		actions.openRoom(state.rooms.has(saved) ? saved : state.rooms.has('main') ? 'main' : state.roomList()[0]?.room);
	}

	function makeActions() {
		const actions = {
			openRoom(id) { if (id) client.openRoom(id); },
			async openDirect(user) {
				try {
					actions.openRoom(await client.openDirect(user));
				} catch (error) {
					toast(errorText(error), 'error');
				}
			},
			async join(room) {
				try {
					await client.join(room);
					actions.openRoom(room);
				} catch (error) {
					toast(errorText(error), 'error');
				}
			},
			openSettings: () => settingsDialog(client, { onLanguage: () => location.reload() }),
			openSwitcher: () => openSwitcher(client, actions),
			openDirectory: () => directoryDialog(client, (room) => actions.openRoom(room)),
			createRoom: () => createRoomDialog(client, (room) => actions.openRoom(room)),
			invite: (room) => inviteDialog(client, room),
			editTopic: (room) => topicDialog(client, room),
			leave: (room) => confirmDialog(t('room.leave'), t('room.leaveConfirm', { name: state.rooms.get(room)?.name }),
				t('room.leave'), async () => {
					await client.request('leave', { room });
					actions.openRoom('main');
				}),
			memberMenu: (room, member) => memberDialog(client, room, member, actions),
			showPerson(user) {
				if (user === state.me.user) return actions.openSettings();
				const member = state.members.get(state.current)?.find((m) => m.user === user) || { user, role: 'member' };
				memberDialog(client, state.current, member, actions);
			},
			reply: (item) => actions.composer.reply(item),
			edit: (item) => actions.composer.edit(item),
			remove: (item) => confirmDialog(t('timeline.delete'), t('timeline.deleteConfirm'), t('timeline.delete'),
				() => client.remove(item.position)),
			retry(clientId) { client.outbox.retry(clientId); client.outbox.flush(client.connection); },
			discard(clientId) { client.outbox.remove(clientId); },
			scrollTo(position) {
				if (!actions.timeline.scrollTo(position)) toast(t('timeline.notLoaded'));
			},
			async logout() {
				try { await api('POST', 'logout'); } catch { /* the token is forgotten anyway */ }
				end('logged_out', { mine: true });
			},
			openKanban() {},
			openBulletin() {},
		};
		return actions;
	}

	function installKeys(actions) {
		const onKey = (event) => {
			const mod = event.ctrlKey || event.metaKey;
			if (mod && !event.altKey && event.key.toLowerCase() === 'k') {
				event.preventDefault();
				if (!document.querySelector('dialog[open]')) actions.openSwitcher();
				return;
			}
			if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
				event.preventDefault();
				let order = state.navigationOrder();
				if (event.shiftKey) order = order.filter((r) => r.unread > 0 || r.room === state.current);
				const at = order.findIndex((r) => r.room === state.current);
				const next = order[(at + (event.key === 'ArrowDown' ? 1 : order.length - 1)) % order.length];
				if (next) actions.openRoom(next.room);
				return;
			}
			if (event.key === 'Escape' && !document.querySelector('dialog[open]')) {
				if (document.querySelector('.shell')?.dataset.drawer) return actions.setDrawer('');
				if (!actions.composer.busy) client.markRead(state.current, { force: true });
			}
		};
		document.addEventListener('keydown', onKey);
		cleanups.push(() => document.removeEventListener('keydown', onKey));
	}

	/** Away after five minutes hidden, online when back. */
	function installIdle() {
		let timer = null;
		let away = false;
		const onVisibility = () => {
			clearTimeout(timer);
			if (document.hidden) {
				timer = setTimeout(() => { away = true; client.setPresence('away'); }, AWAY_AFTER_MS);
			} else if (away) {
				away = false;
				client.setPresence('online');
			}
		};
		document.addEventListener('visibilitychange', onVisibility);
		cleanups.push(() => { document.removeEventListener('visibilitychange', onVisibility); clearTimeout(timer); });
	}
}
