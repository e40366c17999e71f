// The message list. Rows are keyed and reused when unchanged: a new message costs one node,
// paging back keeps the reader's place, focus and selection survive updates.

import { h, coalesce } from '../lib/dom.js';
import { t, dayKey } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { dayRow, newLineRow, messageRow, noticeRow, pendingRow } from './message.js';

const GROUP_MS = 5 * 60 * 1000;
const NEAR_PX = 300;

export function createTimeline(client, actions) {
	const state = client.state;
	const list = h('div.timeline', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
		tabindex: '0', 'aria-label': t('timeline.label') });
	const jump = h('button.jump-present', { hidden: true, onclick: () => present() },
		icon('down'), h('span', t('timeline.jumpPresent')));
	const el = h('div.timeline-wrap', list, jump);
	let room = null;
	let nodes = new Map(); // key → { node, sig }
	let names = 0; // bumped when a display name changes: every row is rebuilt
	let positioned = false;

	const render = coalesce(draw);
	state.on('timeline', (id) => { if (id === room) render(); });
	state.on('outbox', render);
	state.on('status', render);
	state.on('names', () => { names += 1; render(); });
	state.on('me', render);
	state.on('rooms', render);

	function rows() {
		const timeline = state.timelines.get(room);
		const current = state.rooms.get(room);
		// What every row depends on besides its item: names, and my rights (its action buttons).
		const epoch = [names, [...state.capabilities].join(), current?.role, current?.mutedUntil, current?.archived].join('|');
		const out = [];
		if (!timeline || !timeline.loaded) {
			out.push({ key: 'loading', sig: '', build: () => h('div.timeline-status', t('timeline.loading')) });
			return out;
		}
		out.push(timeline.hasMoreBefore
			? { key: 'more', sig: '', build: () => h('div.timeline-status', t('timeline.loadingOlder')) }
			: { key: 'start', sig: epoch, build: () => h('div.timeline-start',
				h('p', t(state.isDirect(current) ? 'timeline.beginningDirect' : 'timeline.beginning',
					{ name: state.roomTitle(current) }))) });
		const ctx = { state, actions, timeline };
		let previous = null;
		let newShown = false;
		for (const item of timeline.items) {
			if (!previous || dayKey(previous.time) !== dayKey(item.time)) {
				const time = item.time;
				out.push({ key: 'd' + dayKey(time), sig: epoch, build: () => dayRow(time) });
				previous = null;
			}
			let breakGroup = false;
			if (!newShown && timeline.anchor != null && item.position > timeline.anchor && item.author !== state.me.user
					&& item.kind === 'message.posted') {
				out.push({ key: 'new', sig: '', build: newLineRow });
				newShown = true;
				breakGroup = true;
			}
			if (item.kind === 'message.posted') {
				const continued = !breakGroup && previous?.kind === 'message.posted' && previous.author === item.author
					&& item.time - previous.time < GROUP_MS && !item.replyTo;
				out.push({ key: 'm' + item.position, sig: `${epoch}|${item.rev}|${continued}`,
					build: () => messageRow(item, continued, ctx) });
			} else {
				out.push({ key: 'n' + item.position, sig: epoch, build: () => noticeRow(item, ctx) });
			}
			previous = item;
		}
		if (timeline.atPresent && client.outbox) {
			for (const entry of client.outbox.forRoom(room)) {
				out.push({ key: 'p' + entry.clientId, sig: `${epoch}|${entry.failed ? 'f' : entry.sent ? 's' : 'w'}|${state.status}`,
					build: () => pendingRow(entry, ctx) });
			}
		}
		return out;
	}

	function draw() {
		if (!room) return;
		const timeline = state.timelines.get(room);
		const wasAtBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
		const anchor = firstVisible();
		const anchorTop = anchor?.getBoundingClientRect().top;

		const next = new Map();
		const wanted = rows().map((row) => {
			const old = nodes.get(row.key);
			const node = old && old.sig === row.sig ? old.node : row.build();
			next.set(row.key, { node, sig: row.sig });
			return node;
		});
		nodes = next;
		let child = list.firstChild;
		for (const node of wanted) {
			if (child === node) { child = child.nextSibling; continue; }
			list.insertBefore(node, child);
		}
		while (child) { const after = child.nextSibling; child.remove(); child = after; }

		if (!timeline?.loaded) return;
		if (!positioned) {
			positioned = true;
			placeInitially(timeline);
		} else if (wasAtBottom && timeline.atPresent) {
			list.scrollTop = list.scrollHeight;
		} else if (anchor && anchor.isConnected) {
			list.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
		}
		if (timeline.items.length && !window.__causerieFirstMessage) {
			window.__causerieFirstMessage = performance.now();
			performance.mark('causerie-first-message');
		}
		afterScroll();
	}

	/** Opens at the "new messages" line, at a jumped-to date, or at the end. */
	function placeInitially(timeline) {
		const target = list.querySelector('.new-line')
			|| (timeline.jumped && [...list.querySelectorAll('[data-position]')].find((n) =>
				timeline.byPosition.get(Number(n.dataset.position))?.time >= timeline.jumped));
		if (target) list.scrollTop = target.offsetTop - list.clientHeight / 4;
		else list.scrollTop = list.scrollHeight;
	}

	function firstVisible() {
		const top = list.getBoundingClientRect().top;
		for (const node of list.children) if (node.getBoundingClientRect().bottom > top) return node;
		return null;
	}

	/** Pages history near an edge, marks read at the bottom, shows the jump button. */
	function afterScroll() {
		const timeline = state.timelines.get(room);
		if (!timeline?.loaded) return;
		const fromBottom = list.scrollHeight - list.scrollTop - list.clientHeight;
		if (list.scrollTop < NEAR_PX && timeline.hasMoreBefore && !timeline.loading) {
			client.loadOlder(room).catch(() => {});
		} else if (fromBottom < NEAR_PX && !timeline.atPresent && !timeline.loading) {
			client.loadNewer(room).catch(() => {});
		}
		jump.hidden = timeline.atPresent && fromBottom < list.clientHeight * 2;
		if (fromBottom < 40 && timeline.atPresent && !document.hidden && document.hasFocus()) client.markRead(room);
	}

	list.addEventListener('scroll', afterScroll, { passive: true });
	window.addEventListener('focus', afterScroll);

	function present() {
		const timeline = state.timelines.get(room);
		if (timeline?.atPresent) {
			list.scrollTop = list.scrollHeight;
		} else {
			positioned = false;
			client.jumpToPresent(room).catch(() => {});
		}
	}

	return {
		el,
		render,
		show(id) {
			room = id;
			nodes = new Map();
			list.replaceChildren();
			positioned = false;
			list.setAttribute('aria-label', t('timeline.labelFor', { name: state.roomTitle(state.rooms.get(id)) }));
			render();
		},
			reposition() { positioned = false; render(); },
		scrollTo(position) {
			const node = list.querySelector(`[data-position="${position}"]`);
			if (!node) return false;
			node.scrollIntoView({ block: 'center' });
			node.classList.add('flash');
			setTimeout(() => node.classList.remove('flash'), 1500);
			return true;
		},
		focus() { list.focus(); },
	};
}
