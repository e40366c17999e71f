// Admin, Broadcast tab: the must-read announcements and who has confirmed them, with "Remind".
// The server has no list of broadcasts for administrators: they come from this administrator's
// own Announcements (those sent to everyone reach them too) and from the ones sent from this
// browser (kept in localStorage with their text), newest first.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatShortDateTime } from '../lib/i18n.js';
import { plainPreview } from '../lib/format.js';
import { readList } from './read-list.js';

const SENT_KEY = 'causerie.mustReadSent';
const KEPT = 50;
const SHOWN = 10;

function sent() {
	try {
		const list = JSON.parse(localStorage.getItem(SENT_KEY));
		return Array.isArray(list) ? list : [];
	} catch {
		return [];
	}
}

/** A must-read broadcast just sent from here: { position, text, time }. */
export function rememberMustRead(entry) {
	const list = [entry, ...sent().filter((e) => e.position !== entry.position)].slice(0, KEPT);
	localStorage.setItem(SENT_KEY, JSON.stringify(list));
}

export function mustReadSection(users) {
	const names = new Map(users.map((u) => [u.user, u.displayName || u.username]));
	const name = (user) => names.get(user) || user;
	const list = h('ul.must-read-list', { role: 'list' });
	const el = h('section.admin-section.must-read-admin', { 'aria-labelledby': 'must-read-admin-title' },
		h('h2', { id: 'must-read-admin-title' }, t('admin.mustReadTitle')), h('p.hint', t('admin.mustReadIntro')), list);
	const open = new Set();

	async function load() {
		const page = await api('GET', 'rooms/announcements/messages?limit=200').catch(() => ({ items: [] }));
		const found = new Map();
		for (const item of page.items || []) {
			if (item.kind === 'broadcast' && item.mustRead) found.set(item.position, { position: item.position, text: item.text, time: item.time });
		}
		for (const entry of sent()) if (!found.has(entry.position)) found.set(entry.position, entry);
		const entries = [...found.values()].sort((a, b) => b.position - a.position).slice(0, SHOWN);
		fill(list, entries.length ? entries.map(row) : h('li.hint', t('admin.mustReadNone')));
	}

	function row(entry) {
		const reads = open.has(entry.position) && readList({ reads: `admin/broadcasts/${entry.position}/reads`,
			remind: `admin/broadcasts/${entry.position}/remind`, name });
		return h('li.must-read-row', { 'data-message': entry.position },
			h('div.must-read-line', h('span.must-read-text', { dir: 'auto' }, plainPreview(entry.text, 120)),
				h('span.muted', formatShortDateTime(entry.time)),
				h('button.button.small', { 'data-action': 'broadcast-reads', 'aria-expanded': String(Boolean(reads)), onclick: () => {
					if (!open.delete(entry.position)) open.add(entry.position);
					load();
				} }, t('bulletin.readList'))),
			reads && reads.el);
	}

	load();
	return { el, load };
}
