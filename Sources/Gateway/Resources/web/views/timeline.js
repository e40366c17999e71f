// The message list. Rows are keyed and reused when unchanged: a new message costs one node,
// paging back keeps the reader's place, focus and selection survive updates.

import { h, coalesce } from '../lib/dom.js';
import { t, dayKey } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { isMessage } from '../lib/timeline.js';
import { dayRow, newLineRow, messageRow, noticeRow, pendingRow, conversationTitle } from './message.js';

const GROUP_MS = 5 * 60 * 1000;
const NEAR_PX = 300;

export function createTimeline(client, actions) {
	const state = client.state;
	const list = h('div.timeline', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' });
	const jump = h('button.jump-present', { hidden: true, onclick: () => present() }, icon('down'), h('span', t('timeline.jumpPresent')));
	const el = h('div.timeline-wrap', list, jump);
	let room = null;
	let nodes = new Map(); // key → { node, sig }
	let names = 0; // bumped when a display name changes: every row is rebuilt
	let positioned = false;
	const timeline = () => state.timelines.get(room);

	const render = coalesce(draw);
	state.on('timeline', (id) => id === room && render());
	for (const topic of ['outbox', 'status', 'me', 'rooms']) state.on(topic, render);
	state.on('names', () => { names += 1; render(); });

	/** Rows as { key, sig, build }: a row is rebuilt only when its signature changes. */
	function rows() {
		const tl = timeline();
		const current = state.rooms.get(room);
		const status = (key) => ({ key, sig: '', build: () => h('div.timeline-status', t(key)) });
		if (!tl?.loaded) return [status('timeline.loading')];
		// What every row depends on besides its item: names, and my rights (its action buttons).
		const epoch = [names, [...state.capabilities], current?.role, current?.mutedUntil, current?.archived].join('|');
		const ctx = { state, actions, timeline: tl };
		const start = tl.hiddenBefore
			? t('timeline.retention', { days: state.server?.retentionDays ?? 0 })
			: state.isAnnouncements(current) ? t('announcements.beginning')
				: t(state.isDirect(current) ? 'timeline.beginningDirect' : 'timeline.beginning', { name: state.roomTitle(current) });
		const out = [tl.hasMoreBefore ? status('timeline.loadingOlder')
			: { key: 'start', sig: epoch + '|' + start, build: () => h('div.timeline-start', h('p', start)) }];
		let previous = null;
		let newShown = false;
		for (const item of tl.items) {
			const day = dayKey(item.time);
			if (!previous || dayKey(previous.time) !== day) {
				out.push({ key: 'd' + day, sig: epoch, build: () => dayRow(item.time) });
				previous = null;
			}
			const message = isMessage(item);
			if (!newShown && message && tl.anchor != null && item.position > tl.anchor && item.author !== state.me.user) {
				out.push({ key: 'new', sig: '', build: newLineRow });
				newShown = true;
				previous = null;
			}
			const continued = message && previous?.kind === item.kind && previous.author === item.author
				&& item.time - previous.time < GROUP_MS && !item.replyTo;
			out.push(message ? { key: 'm' + item.position, sig: `${epoch}|${item.rev}|${continued}`, build: () => messageRow(item, continued, ctx) }
				: { key: 'n' + item.position, sig: epoch, build: () => noticeRow(item, ctx) });
			previous = item;
		}
		if (tl.atPresent && client.outbox) {
			for (const entry of client.outbox.forRoom(room)) {
				out.push({ key: 'p' + entry.clientId, sig: `${epoch}|${entry.failed ? 'f' : entry.sent ? 's' : 'w'}|${state.status}`,
					build: () => pendingRow(entry, ctx) });
			}
		}
		return out;
	}

	function draw() {
		if (!room) return;
		const tl = timeline();
		const wasAtBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
		const top = list.getBoundingClientRect().top;
		const anchor = [...list.children].find((node) => node.getBoundingClientRect().bottom > top);
		const anchorTop = anchor?.getBoundingClientRect().top;
		const next = new Map();
		let child = list.firstChild;
		for (const row of rows()) {
			const old = nodes.get(row.key);
			const node = old && old.sig === row.sig ? old.node : row.build();
			next.set(row.key, { node, sig: row.sig });
			if (child === node) child = child.nextSibling;
			else list.insertBefore(node, child);
		}
		while (child) { const after = child.nextSibling; child.remove(); child = after; }
		nodes = next;
		if (!tl?.loaded) return;
		const focus = tl.focus != null && list.querySelector(`[data-position="${tl.focus}"]`);
		if (focus) {
			// A search result opened: that message in the middle of the view, flashed a moment.
			tl.focus = null;
			positioned = true;
			list.scrollTop = focus.offsetTop - (list.clientHeight - focus.offsetHeight) / 2;
			flash(focus, 'found', 3000);
		} else if (!positioned) {
			// Open at the "new messages" line, at a jumped-to date, or at the end.
			positioned = true;
			const target = list.querySelector('.new-line') || (tl.jumped && [...list.querySelectorAll('[data-position]')]
				.find((n) => tl.byPosition.get(Number(n.dataset.position))?.time >= tl.jumped));
			list.scrollTop = target ? target.offsetTop - list.clientHeight / 4 : list.scrollHeight;
		} else if (wasAtBottom && tl.atPresent) {
			list.scrollTop = list.scrollHeight;
		} else if (anchor?.isConnected) {
			list.scrollTop += anchor.getBoundingClientRect().top - anchorTop; // paging back keeps the reader's place
		}
		if (tl.items.length && !performance.getEntriesByName('causerie-first-message').length) performance.mark('causerie-first-message');
		afterScroll();
	}

	/** Pages history near an edge, marks read at the bottom, shows the jump button. */
	function afterScroll() {
		const tl = timeline();
		if (!tl?.loaded) return;
		const fromBottom = list.scrollHeight - list.scrollTop - list.clientHeight;
		if (list.scrollTop < NEAR_PX && tl.hasMoreBefore && !tl.loading) client.loadOlder(room).catch(() => {});
		else if (fromBottom < NEAR_PX && !tl.atPresent && !tl.loading) client.loadNewer(room).catch(() => {});
		jump.hidden = tl.atPresent && fromBottom < list.clientHeight * 2;
		if (fromBottom < 40 && tl.atPresent && !document.hidden && document.hasFocus()) client.markRead(room);
	}
	list.addEventListener('scroll', afterScroll, { passive: true });
	window.addEventListener('focus', afterScroll);

	function present() {
		if (timeline()?.atPresent) return (list.scrollTop = list.scrollHeight);
		positioned = false;
		client.jumpToPresent(room).catch(() => {});
	}

	return {
		el,
		show(id) {
			room = id;
			nodes = new Map();
			list.replaceChildren();
			positioned = false;
			list.setAttribute('aria-label', t('timeline.labelFor', { name: conversationTitle(state, state.rooms.get(id)) }));
			render();
		},
		reposition() { positioned = false; render(); },
		scrollTo(position) {
			const node = list.querySelector(`[data-position="${position}"]`);
			node?.scrollIntoView({ block: 'center' });
			if (node) flash(node, 'flash', 1500);
			return Boolean(node);
		},
	};
}

/** A class for a moment (a CSS animation draws it), to show which row the reader was taken to. */
function flash(node, className, ms) {
	node.classList.remove(className);
	void node.offsetWidth; // restarts the animation when the same row is flashed again
	node.classList.add(className);
	setTimeout(() => node.classList.remove(className), ms);
}
