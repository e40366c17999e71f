// The chat screen: three columns that become drawers on narrow screens; wires the client to
// the views, keyboard shortcuts, notifications, the tab title and idle presence.

import { h, fill, coalesce } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { ChatClient } from '../lib/client.js';
import { t } from '../lib/i18n.js';
import { notify, showUnread } from '../lib/notify.js';
import { plainPreview, formatPreview } from '../lib/format.js';
import { ANNOUNCEMENTS } from '../lib/state.js';
import { createSidebar, invitationText } from './sidebar.js';
import { createHeader } from './header.js';
import { createVoiceBar } from './voice.js';
import { createCalls } from './call.js';
import { createTimeline } from './timeline.js';
import { createComposer } from './composer.js';
import { createDetails } from './details.js';
import { createSearch } from './search.js';
import { mentionKind } from './message.js';
import { createTransfers } from './transfers.js';
import { createWorkspace } from './workspace.js';
import { toast, errorText } from './ui.js';
import { Uploads } from '../lib/uploads.js';
import { readDrop, foldersFromPicker, roomArea, forgetFileKey } from '../lib/files.js';

// Dialogs load on first use: the first screen parses less script.
const lazy = (load, name) => async (...args) => (await load())[name](...args);
const rooms = (name) => lazy(() => import('./rooms.js'), name);
const openSwitcher = lazy(() => import('./switcher.js'), 'openSwitcher');
const peopleDialog = lazy(() => import('./people.js'), 'peopleDialog');
const settingsDialog = lazy(() => import('./settings.js'), 'settingsDialog');
const filesDialog = lazy(() => import('./files.js'), 'filesDialog');

const LAST_ROOM_KEY = 'causerie.room';
const AWAY_AFTER_MS = 5 * 60 * 1000;

export function startShell(root, { token, serverPassword, onEnded }) {
	const cleanups = [];
	const client = new ChatClient({ token, serverPassword, onEnded: (reason, error) => end(reason, { error }) });
	const state = client.state;
	const listen = (target, type, fn) => { target.addEventListener(type, fn); cleanups.push(() => target.removeEventListener(type, fn)); };

	let ended = false;
	function end(reason, options = {}) {
		if (ended) return;
		ended = true;
		client.stop();
		cleanups.forEach((fn) => fn());
		document.querySelectorAll('dialog').forEach((d) => d.remove());
		onEnded(reason, options);
	}

	fill(root, h('main.connect', h('p.boot', { role: 'status' }, t('status.connecting'))));
	state.on('ready', () => (state.me.mustChangePassword ? end('must_change_password') : build()));
	client.start();

	function build() {
		const actions = makeActions();
		const uploads = new Uploads(() => { transfers.render(); state.emit('transfers'); });
		const transfers = createTransfers(uploads);
		const sidebar = createSidebar(client, actions);
		const timeline = createTimeline(client, actions);
		const composer = createComposer(client, { send: (room, what) => sendTo(roomArea(room), '', what) });
		const details = createDetails(client, actions);
		const search = createSearch(client, actions);
		const work = createWorkspace(client, actions);
		const header = createHeader(client, {
			search: search.el,
			onMenu: () => setDrawer(shell.dataset.drawer === 'left' ? '' : 'left'),
			onFiles: (room) => actions.openFiles('room:' + room, ''),
			onJump: (room) => rooms('jumpDialog')((date) => client.jumpToDate(room, date).then(() => timeline.reposition())),
			onDetails: () => (matchMedia('(max-width: 900px)').matches
				? setDrawer(shell.dataset.drawer === 'right' ? '' : 'right') : shell.classList.toggle('details-hidden')),
		});
		const voiceBar = createVoiceBar(client);
		const shell = h('div.shell', sidebar.el,
			h('main.conversation', { 'aria-labelledby': 'conv-title' }, header.el, header.banner, voiceBar.el, timeline.el, header.typing,
				transfers.el, composer.el),
			details.el, work.el, createCalls(client).el, h('div.scrim', { onclick: () => setDrawer('') }));
		// The results lie over the timeline (its wrapper is their containing block).
		timeline.el.append(search.panel);
		listen(document, 'pointerdown', search.outside);
		fill(root, shell);
		// A screen chosen in the drawer (a phone) closes it, as a room does.
		const openWork = (name, route) => { work.open(name, route); if (shell.dataset.drawer === 'left') setDrawer(''); };
		Object.assign(actions, { timeline, composer, setDrawer, uploads, sendTo, search,
			openKanban: (route) => openWork('boards', route), openBulletin: () => openWork('bulletin'), closeWork: () => work.close() });

		/** Files and folders to an area: each file on its own, each folder as one shared folder. */
		function sendTo(area, folder, { loose = [], folders = [], pickedFolder = null }) {
			const trees = pickedFolder ? foldersFromPicker(pickedFolder) : folders;
			const failed = (error) => toast(errorText(error), 'error');
			for (const file of loose) uploads.sendFile(file, { area, folder }).catch(failed);
			for (const tree of trees) uploads.sendFolder(tree, { area, folder }).catch(failed);
		}

		// Dropped on the conversation: files and whole folders go to it (if the user may send there).
		const conversation = shell.querySelector('main.conversation');
		const droppable = (event) => [...(event.dataTransfer?.types || [])].includes('Files')
			&& state.canWrite(state.rooms.get(state.current)) && state.can('sendFiles');
		listen(conversation, 'dragover', (event) => {
			if (!droppable(event)) return;
			event.preventDefault();
			event.dataTransfer.dropEffect = 'copy';
			conversation.classList.add('dropping');
		});
		listen(conversation, 'dragleave', (event) => {
			if (!conversation.contains(event.relatedTarget)) conversation.classList.remove('dropping');
		});
		listen(conversation, 'drop', async (event) => {
			conversation.classList.remove('dropping');
			if (!droppable(event)) return;
			event.preventDefault();
			const room = state.current;
			try {
				sendTo(roomArea(room), '', await readDrop(event.dataTransfer));
			} catch (error) {
				toast(errorText(error), 'error');
			}
		});

		function setDrawer(which) {
			shell.dataset.drawer = which;
			if (which === 'left') sidebar.el.querySelector('[aria-current="page"], button')?.focus();
		}
		actions.closeDetails = () => (shell.dataset.drawer === 'right' ? setDrawer('') : shell.classList.add('details-hidden'));

		state.on('current', ({ room, changed }) => {
			if (changed || !state.timelines.get(room)?.loaded) timeline.show(room);
			if (!changed) return;
			// Announcements has no members: no right column at all.
			shell.classList.toggle('no-details', room === ANNOUNCEMENTS);
			composer.show(room);
			details.show(room);
			localStorage.setItem(LAST_ROOM_KEY, room);
		});

		// The tab title counts unread messages and notices; mentions and direct messages notify when unseen.
		const drawTitle = coalesce(() => showUnread(state.server.name, state.totalUnread() + client.bulletin.unread));
		state.on('rooms', drawTitle);
		state.on('summary', drawTitle);
		state.on('server', drawTitle);
		state.on('message', ({ event, live, room }) => {
			if (!live || !room || event.author === state.me.user) return;
			const direct = state.isDirect(room);
			if (!direct && !(event.mentions || []).includes(state.me.user)) return;
			if (!document.hidden && document.hasFocus() && state.current === room.room && !state.screen) return;
			const who = state.displayName(event.author);
			notify(direct ? who : t('notifications.mention', { name: who, room: room.name }), plainPreview(event.text),
				room.room, () => actions.openRoom(room.room));
		});
		state.on('removed', ({ room, name, kind, mine }) => {
			if (!mine) toast(t('notice.removed.' + kind, { name: name || '' }), 'error');
			if (state.current === room) actions.openRoom('main');
		});
		state.on('invited', (invitation) => {
			const text = invitationText(state, invitation);
			toast(text);
			notify(state.server.name, text, 'invite');
		});
		state.on('broadcast', ({ event, live, mine }) => live && !mine && announce(event));

		/** A live broadcast: a toast (formatted, opening Announcements) and a desktop notification,
		 * unless Announcements is on screen, where it has just appeared. */
		function announce(event) {
			if (!document.hidden && document.hasFocus() && state.current === ANNOUNCEMENTS) return;
			const title = t('broadcast.from', { name: state.displayName(event.author) });
			const text = formatPreview(event.text, 300, mentionKind(state));
			const open = state.rooms.has(ANNOUNCEMENTS) ? () => actions.openRoom(ANNOUNCEMENTS) : undefined;
			toast([h('strong.toast-title', title), text, open && h('span.toast-hint', t('broadcast.open'))], 'broadcast',
				{ onclick: open, ms: 8000 });
			// A notification is plain text: the formatted text's words, without the markup.
			notify(title, formatPreview(event.text, 140).textContent, 'broadcast', open);
		}

		installKeys(actions);
		installIdle();
		drawTitle();
		const saved = localStorage.getItem(LAST_ROOM_KEY);
		const reopen = state.rooms.has(saved) && (saved !== ANNOUNCEMENTS || state.hasAnnouncements());
		actions.openRoom(reopen ? saved : state.rooms.has('main') ? 'main' : state.roomList()[0]?.room, { keepWork: true });
		work.restore();
	}

	function makeActions() {
		const attempt = (fn) => async (...args) => {
			try { await fn(...args); } catch (error) { toast(errorText(error), 'error'); }
		};
		const actions = {
			// A room chosen in a drawer closes it, the one already open too (nothing "changes" then).
			openRoom(id, options = {}) {
				if (!id) return;
				// A room chosen leaves the boards or the bulletin board (not the one reopened at start).
				if (!options.keepWork) actions.closeWork?.();
				client.openRoom(id, options);
				if (actions.setDrawer && document.querySelector('.shell[data-drawer="left"], .shell[data-drawer="right"]')) {
					actions.setDrawer('');
				}
			},
			/** A search result: the room opened at that message, with the messages around it. */
			openAt: (room, position) => actions.openRoom(room, { at: position }),
			openDirect: attempt(async (user) => actions.openRoom(await client.openDirect(user))),
			join: attempt(async (room) => { await client.join(room); actions.openRoom(room); }),
			declineInvitation: (room) => client.declineInvitation(room),
			openSettings: () => settingsDialog(client, { onLanguage: () => location.reload() }),
			openSwitcher: () => openSwitcher(client, actions),
			openPeople: () => peopleDialog(client, actions),
			openDirectory: () => rooms('directoryDialog')(client, actions.openRoom),
			createRoom: () => rooms('createRoomDialog')(client, actions.openRoom),
			invite: (room) => rooms('inviteDialog')(client, room),
			editTopic: (room) => rooms('topicDialog')(client, room),
			leave: (room) => rooms('confirmDialog')(t('room.leave'), t('room.leaveConfirm', { name: state.rooms.get(room)?.name }),
				t('room.leave'), async () => { await client.request('leave', { room }); actions.openRoom('main'); }),
			memberMenu: (room, member) => rooms('memberDialog')(client, room, member, actions),
			showPerson(user) {
				if (user === state.me.user) return actions.openSettings();
				actions.memberMenu(state.current, state.members.get(state.current)?.find((m) => m.user === user) || { user, role: 'member' });
			},
			reply: (item) => actions.composer.reply(item),
			edit: (item) => actions.composer.edit(item),
			remove: (item) => rooms('confirmDialog')(t('timeline.delete'), t('timeline.deleteConfirm'), t('timeline.delete'),
				() => client.remove(item.position)),
			retry(clientId) { client.outbox.retry(clientId); client.outbox.flush(client.connection); },
			discard: (clientId) => client.outbox.remove(clientId),
			scrollTo: (position) => actions.timeline.scrollTo(position) || toast(t('timeline.notLoaded')),
			deleteFile: (item) => rooms('confirmDialog')(t('files.delete'), t('files.deleteConfirm', { name: item.name }),
				t('files.delete'), () => api('DELETE', 'files/' + encodeURIComponent(item.file))),
			openFiles: (area, path) => filesDialog(client, actions, { area, path }),
			async logout() {
				forgetFileKey();
				await api('POST', 'logout').catch(() => {}); // the token is forgotten anyway
				end('logged_out', { mine: true });
			},
		};
		return actions;
	}

	function installKeys(actions) {
		listen(document, 'keydown', (event) => {
			const dialog = document.querySelector('dialog[open]');
			const mod = (event.ctrlKey || event.metaKey) && !event.altKey;
			if (mod && event.key.toLowerCase() === 'k') {
				event.preventDefault();
				if (!dialog) actions.openSwitcher();
			} else if (!dialog && !state.screen && ((mod && !event.shiftKey && event.key.toLowerCase() === 'f')
				|| (event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)))) {
				// Ctrl/Cmd+F searches the whole history (as in Slack); "/" too, when not typing.
				event.preventDefault();
				actions.search.focus();
			} else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
				// Alt: the previous or next room; with Shift, the previous or next one with unread messages.
				event.preventDefault();
				const order = state.navigationOrder().filter((r) => !event.shiftKey || r.unread > 0 || r.room === state.current);
				const at = order.findIndex((r) => r.room === state.current);
				actions.openRoom(order[(at + (event.key === 'ArrowDown' ? 1 : order.length - 1)) % order.length]?.room);
			} else if (event.key === 'Escape' && !dialog) {
				if (document.querySelector('.shell[data-drawer="left"], .shell[data-drawer="right"]')) actions.setDrawer('');
				else if (!actions.composer.busy && !state.screen) client.markRead(state.current, { force: true });
			}
		});
	}

	/** Whether keys pressed there are text being typed (then "/" is a character, not a shortcut). */
	function typing(target) {
		return target instanceof HTMLElement && (target.isContentEditable || target.matches('input, textarea, select'));
	}

	/** Away after five minutes hidden, online when back. */
	function installIdle() {
		let timer = null;
		let away = false;
		listen(document, 'visibilitychange', () => {
			clearTimeout(timer);
			if (document.hidden) timer = setTimeout(() => { away = true; client.setPresence('away'); }, AWAY_AFTER_MS);
			else if (away) { away = false; client.setPresence('online'); }
		});
		cleanups.push(() => clearTimeout(timer));
	}
}
