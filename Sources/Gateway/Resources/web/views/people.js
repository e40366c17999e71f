// The people directory (MyChat's contact list, Mattermost's "Direct messages → More…"): everyone,
// not only who is online; online first, then away, then offline; searchable by name, user name or
// department; choosing someone opens the direct conversation. Presence and profiles stay live.

import { h, fill, coalesce } from '../lib/dom.js';
import { t, foldForSearch } from '../lib/i18n.js';
import { openDialog, avatar, presenceDot, botTag } from './ui.js';
import { keepFocus } from './sidebar.js';

const RANK = { online: 0, away: 1 };

/** Everyone but me and disabled accounts, by presence then by name. */
export function everyone(state) {
	return [...state.users.values()].filter((u) => u.user !== state.me.user && !u.disabled)
		.sort((a, b) => (RANK[a.presence] ?? 2) - (RANK[b.presence] ?? 2)
			|| state.displayName(a.user).localeCompare(state.displayName(b.user)));
}

/** Whether a person matches every word typed, in their name, user name or department. */
function matches(state, user, words) {
	const text = foldForSearch(`${state.displayName(user.user)} ${user.username} ${user.department || ''}`);
	return words.every((word) => text.includes(word));
}

export function peopleDialog(client, actions) {
	const state = client.state;
	const search = h('input', { type: 'search', 'data-action': 'people-search', autocomplete: 'off',
		'aria-label': t('people.search'), placeholder: t('people.search') });
	const count = h('p.hint.people-count', { role: 'status' });
	const list = h('ul.people-list', { role: 'list', 'aria-label': t('people.title') });
	const writable = state.can('directMessages');
	let shown = [];

	const choose = (user) => {
		close();
		actions.openDirect(user.user);
	};

	function row(user) {
		const name = state.displayName(user.user);
		const presence = ['online', 'away'].includes(user.presence) ? user.presence : 'offline';
		const content = [
			h('span.avatar-wrap', avatar(user.user, name), presenceDot(presence)),
			h('span.person-text',
				h('span.person-name', h('span', { dir: 'auto' }, name), botTag(user)),
				h('span.person-detail', '@' + user.username, user.department && h('span.person-department', { dir: 'auto' },
					' · ' + user.department))),
			h('span.person-presence', t('presence.' + presence))];
		// Without the right to write privately, the directory is still worth reading.
		return h('li', writable
			? h('button.person-row', { 'data-user': user.user, 'data-key': 'p' + user.user, onclick: () => choose(user),
				title: t('profile.message') }, content)
			: h('div.person-row', { 'data-user': user.user }, content));
	}

	function draw() {
		const words = foldForSearch(search.value).split(/\s+/).filter(Boolean);
		shown = everyone(state).filter((user) => matches(state, user, words));
		count.textContent = t('people.count', { count: shown.length });
		fill(list, shown.length ? shown.map(row) : h('li.side-empty', t('people.none')));
	}

	const redraw = coalesce(() => keepFocus(list, draw));
	const topics = ['users', 'names'];
	for (const topic of topics) state.on(topic, redraw);

	search.addEventListener('input', draw);
	search.addEventListener('keydown', (event) => {
		if (event.key === 'Enter') {
			event.preventDefault();
			if (shown[0] && writable) choose(shown[0]);
		} else if (event.key === 'ArrowDown') {
			event.preventDefault();
			list.querySelector('button')?.focus();
		}
	});
	// Up and Down move between people, as in the quick switcher; Up from the first goes back to the search.
	list.addEventListener('keydown', (event) => {
		const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
		if (!step) return;
		event.preventDefault();
		const buttons = [...list.querySelectorAll('button')];
		const next = buttons[buttons.indexOf(document.activeElement) + step];
		(next || (step < 0 ? search : null))?.focus();
	});

	const { dialog, close } = openDialog({ title: t('people.title'), body: [search, count, list], className: 'people' });
	dialog.addEventListener('close', () => { for (const topic of topics) state.off(topic, redraw); });
	draw();
	search.focus();
}
