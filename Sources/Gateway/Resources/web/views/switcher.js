// Ctrl/Cmd+K: jump to any room or person by typing a few letters of its name (fuzzy).

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { openDialog, avatar, presenceDot, botTag } from './ui.js';
import { icon } from '../lib/icons.js';
import { ANNOUNCEMENTS } from '../lib/state.js';

/** Letters of the query in order within the name; earlier and tighter matches score higher. */
export function fuzzyScore(name, query) {
	const text = name.toLowerCase();
	if (!query) return 1;
	if (text.startsWith(query)) return 1000 - text.length;
	const at = text.indexOf(query);
	if (at >= 0) return 500 - at;
	let score = 0;
	let from = 0;
	for (const ch of query) {
		const found = text.indexOf(ch, from);
		if (found < 0) return 0;
		score += found === from ? 3 : 1;
		from = found + 1;
	}
	return score;
}

export function openSwitcher(client, actions) {
	const state = client.state;
	const input = h('input', { type: 'text', class: 'switcher-input', role: 'combobox', 'aria-expanded': 'true',
		'aria-controls': 'switcher-list', 'aria-autocomplete': 'list', 'aria-label': t('switcher.label'),
		placeholder: t('switcher.placeholder'), autocomplete: 'off' });
	const list = h('ul.switcher-list', { id: 'switcher-list', role: 'listbox' });
	let results = [];
	let active = 0;

	const candidates = () => {
		const rooms = state.roomList().map((r) => ({ kind: 'room', id: r.room, name: r.name, room: r, icon: 'hash' }));
		if (state.hasAnnouncements()) {
			const room = state.rooms.get(ANNOUNCEMENTS);
			rooms.unshift({ kind: 'room', id: room.room, name: t('announcements.title'), room, icon: 'megaphone' });
		}
		const people = [...state.users.values()].filter((u) => !u.disabled && u.user !== state.me.user).map((u) => ({
			kind: 'person', id: u.user, name: state.displayName(u.user), extra: u.username, user: u,
			room: state.directList().find((r) => state.partner(r) === u.user),
		}));
		return [...rooms, ...people];
	};

	const draw = () => {
		const query = input.value.trim().toLowerCase();
		results = candidates()
			.map((c) => ({ c, score: Math.max(fuzzyScore(c.name, query), c.extra ? fuzzyScore(c.extra, query) : 0)
				+ (c.room?.unread ? 5 : 0) }))
			.filter((r) => r.score > 0).sort((a, b) => b.score - a.score).slice(0, 12).map((r) => r.c);
		active = Math.min(active, Math.max(0, results.length - 1));
		fill(list, results.length ? results.map((c, i) => h('li', {
			role: 'option', id: 'switch-' + i, class: 'switch-item' + (i === active ? ' active' : ''),
			'aria-selected': String(i === active), onclick: () => choose(i),
		}, c.kind === 'room' ? h('span.nav-icon', icon(c.icon))
			: h('span.avatar-wrap.small', avatar(c.id, c.name, 'small'), presenceDot(c.user.presence)),
		h('span.nav-name', c.name), c.user && botTag(c.user), c.extra ? h('span.muted', '@' + c.extra) : null,
		c.room?.unread ? h('span.badge', String(c.room.unread)) : null))
			: h('li.side-empty', t('switcher.none')));
		input.setAttribute('aria-activedescendant', results.length ? 'switch-' + active : '');
	};

	const { close } = openDialog({ title: t('switcher.title'), body: [input, list], className: 'switcher' });
	function choose(i) {
		const c = results[i];
		if (!c) return;
		close();
		if (c.kind === 'room') actions.openRoom(c.id);
		else actions.openDirect(c.id);
	}
	input.addEventListener('input', () => { active = 0; draw(); });
	input.addEventListener('keydown', (event) => {
		if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
			event.preventDefault();
			if (!results.length) return;
			active = (active + (event.key === 'ArrowDown' ? 1 : results.length - 1)) % results.length;
			draw();
			list.children[active]?.scrollIntoView({ block: 'nearest' });
		} else if (event.key === 'Enter') {
			event.preventDefault();
			choose(active);
		}
	});
	draw();
	input.focus();
}
