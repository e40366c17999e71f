// The full-width screens that take the place of the conversation and its details: the Kanban
// boards and the bulletin board. Each loads its script and styles on first use, so the chat's
// first screen parses none of it. The address says which is open (#boards, #board=<id>,
// #bulletin): a reload, a link or a bookmark opens it again. The must-read dialog and the boards'
// notifications are wired here too, loaded only once there is something for them.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';

const ROUTE = /^#(boards|mycards|bulletin|board=([A-Za-z0-9_-]{1,64}))$/;

/** Adds a stylesheet once; resolves when it applies (a screen drawn before would flash unstyled). */
export function loadStyle(href) {
	const found = document.querySelector(`link[data-style="${href}"]`);
	if (found) return found.loaded;
	const link = h('link', { rel: 'stylesheet', href, 'data-style': href });
	link.loaded = new Promise((resolve) => { link.onload = link.onerror = resolve; });
	document.head.append(link);
	return link.loaded;
}

const SCREENS = {
	boards: { style: 'styles/boards.css', load: () => import('./boards.js'), make: 'createBoards' },
	bulletin: { style: 'styles/bulletin.css', load: () => import('./bulletin.js'), make: 'createBulletin' },
};

export function createWorkspace(client, actions) {
	const state = client.state;
	const el = h('section.work', { hidden: true, 'aria-label': t('work.label') });
	let current = null; // { name, view }
	let ticket = 0;

	/** Opens a screen ('boards' with a route { board } | { mine } | {}, or 'bulletin'). */
	async function open(name, route = {}) {
		const mine = ++ticket;
		const screen = SCREENS[name];
		const [module] = await Promise.all([screen.load(), loadStyle(screen.style)]);
		if (mine !== ticket) return; // another screen was asked for meanwhile
		if (current?.name !== name) {
			current?.view.destroy?.();
			current = { name, view: module[screen.make](client, actions) };
			fill(el, current.view.el);
		}
		el.hidden = false;
		el.parentElement?.classList.add('work-open');
		state.screen = name;
		state.emit('screen');
		current.view.show?.(route);
		remember(name === 'boards' ? (route.board ? 'board=' + route.board : route.mine ? 'mycards' : 'boards') : name);
	}

	function close() {
		ticket += 1;
		if (!current) return;
		current.view.destroy?.();
		current = null;
		fill(el);
		el.hidden = true;
		el.parentElement?.classList.remove('work-open');
		state.screen = null;
		state.emit('screen');
		remember('');
	}

	/** The address without adding to the history (Back leaves Causerie, as it does for rooms). */
	function remember(route) {
		const hash = route ? '#' + route : '';
		if (location.hash !== hash) history.replaceState(null, '', location.pathname + location.search + hash);
	}

	/** The screen the address names, if any: true when one opens. */
	function restore() {
		const match = location.hash.match(ROUTE);
		if (!match) return false;
		if (match[1] === 'bulletin') open('bulletin');
		else open('boards', match[2] ? { board: match[2] } : match[1] === 'mycards' ? { mine: true } : {});
		return true;
	}

	// Must-read notices and broadcasts block the chat until acknowledged.
	let mustRead = null;
	const checkMustRead = async () => {
		if (!client.bulletin.mustRead().length || mustRead) return;
		mustRead = import('./must-read.js').then(async (module) => {
			await loadStyle('styles/bulletin.css');
			return module.createMustRead(client);
		});
		(await mustRead).update();
	};
	state.on('summary', async () => (mustRead ? (await mustRead).update() : checkMustRead()));
	checkMustRead(); // what the welcome brought before this screen was built

	// Assigned, mentioned, reminded: the boards' notifications load with the first board event.
	let alerts = null;
	const boardEvent = (detail) => {
		alerts ??= import('./board-alerts.js').then((module) => module.createBoardAlerts(client, actions));
		alerts.then((watcher) => watcher.event(detail));
	};
	state.on('board', boardEvent);
	// What is assigned to me already, so that a later change says only what is new.
	if (state.can('kanban') || state.can('administer')) setTimeout(() => boardEvent(null), 1500);

	return { el, open, close, restore, get screen() { return current?.name ?? null; } };
}
