// Search over all history: the box in the conversation's header, results as you type in a panel
// over the timeline, the filters that write operators into the box, "load more", and a result
// opened at its message. Result text is drawn as text nodes, the matched words in <mark>.

import { h, fill } from '../lib/dom.js';
import { t, formatShortDateTime, formatDateTime } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { highlightParts, withOperator, withFlag, withoutOperators, operatorValue, hasFlag } from '../lib/search.js';
import { iconButton, errorText } from './ui.js';

const DEBOUNCE_MS = 150;
const PAGE = 20;
const ORDER_KEY = 'causerie.search.order';

export function createSearch(client, actions) {
	const state = client.state;
	const input = h('input.search-input', { type: 'search', 'aria-label': t('search.label'), placeholder: t('search.placeholder'),
		autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'search', maxlength: 1000, 'aria-controls': 'search-panel' });
	const filtersButton = iconButton('filter', t('search.filters'), () => toggleFilters(), {
		class: 'search-filters-button', 'data-action': 'search-filters', 'aria-expanded': 'false', 'aria-controls': 'search-filters' });
	const el = h('form.search', { role: 'search', onsubmit: (event) => { event.preventDefault(); run({ again: true }); } },
		h('span.search-icon', icon('search')), input, filtersButton);

	const filters = h('div.search-filters', { id: 'search-filters', hidden: true });
	const orderBar = h('div.search-order', { role: 'group', 'aria-label': t('search.order') });
	const notices = h('div.search-notices', { role: 'status' });
	const list = h('ul.search-results', { 'aria-label': t('search.results') });
	const more = h('button.button.search-more', { 'data-action': 'search-more', hidden: true, onclick: () => loadMore() }, t('search.more'));
	const status = h('p.search-status', { 'aria-live': 'polite' });
	const panel = h('section.search-panel', { id: 'search-panel', hidden: true, 'aria-label': t('search.results') },
		h('div.search-panel-head', orderBar, iconButton('close', t('search.close'), () => close(), { 'data-action': 'search-close' })),
		filters, notices, status, list, more);

	let order = localStorage.getItem(ORDER_KEY) === 'relevance' ? 'relevance' : 'newest';
	let timer = null;
	// Every search gets a ticket; a reply for an older ticket (the user typed on) is dropped.
	let ticket = 0;
	let shownQuery = null;
	let page = null; // the last reply: its nextBefore / nextOffset, for "load more"

	// MARK: Running searches

	function schedule() {
		clearTimeout(timer);
		timer = setTimeout(() => run(), DEBOUNCE_MS);
	}

	/** Searches what the box says, unless those results are on screen already (`again`: Enter, anew). */
	async function run({ again = false } = {}) {
		clearTimeout(timer);
		const q = input.value;
		open();
		if (!q.trim()) {
			ticket += 1;
			shownQuery = null;
			page = null;
			fill(notices);
			fill(list);
			more.hidden = true;
			status.textContent = t('search.hint');
			return;
		}
		if (!again && q === shownQuery && page?.order === order) return;
		const mine = ++ticket;
		status.textContent = t('search.searching');
		more.hidden = true;
		try {
			const reply = await client.search({ q, order, limit: PAGE });
			if (mine !== ticket) return;
			shownQuery = q;
			page = reply;
			fill(list, reply.results.map(resultRow));
			drawPage(reply);
		} catch (error) {
			if (mine !== ticket) return;
			shownQuery = null;
			page = null;
			fill(list);
			status.textContent = '';
			// The server's refusal (an unknown person, a date it cannot read…) in our words when we
			// have them, else its own message: in the panel, where the query is being typed.
			fill(notices, h('p.search-error', { role: 'alert' }, errorText(error)));
		}
	}

	async function loadMore() {
		if (!page?.hasMore) return;
		const mine = ticket;
		const q = shownQuery;
		more.disabled = true;
		try {
			const reply = await client.search({ q, order: page.order, limit: PAGE,
				...(page.order === 'newest' ? { before: page.nextBefore } : { offset: page.nextOffset }) });
			if (mine !== ticket) return;
			page = reply;
			list.append(...reply.results.map(resultRow));
			drawPage(reply);
		} catch (error) {
			if (mine === ticket) fill(notices, h('p.search-error', { role: 'alert' }, errorText(error)));
		} finally {
			more.disabled = false;
		}
	}

	function drawPage(reply) {
		fill(notices,
			reply.partial && h('p.search-notice', t('search.partial')),
			reply.indexing && h('p.search-notice', t('search.indexing')),
			reply.fallback === 'infix' && h('p.search-notice', t('search.fallback')));
		status.textContent = list.children.length ? '' : t('search.none');
		more.hidden = !reply.hasMore || (reply.order === 'newest' ? reply.nextBefore == null : reply.nextOffset == null);
	}

	// MARK: Results

	function resultRow(result) {
		const kind = result.roomKind === 'direct' ? 'person' : result.roomKind === 'private' ? 'lock' : 'hash';
		const isFile = result.kind === 'file' || result.kind === 'folder';
		return h('li', h('button.search-result', {
			'data-position': result.position, 'data-room': result.room, onclick: () => choose(result),
		},
		h('span.search-result-head',
			h('span.search-room', { dir: 'auto' }, kind !== 'person' && h('span.search-room-icon', icon(kind)), result.roomName),
			h('span.search-author', { dir: 'auto' }, result.authorName),
			h('time.search-time', { datetime: new Date(result.time).toISOString(), title: formatDateTime(result.time) },
				formatShortDateTime(result.time))),
		h('span.search-text', { dir: 'auto' },
			isFile && h('span.search-file', icon(result.kind === 'folder' ? 'folder' : 'file'),
				h('span', t(result.kind === 'folder' ? 'search.folder' : 'search.file'))),
			highlightParts(result.text, result.highlights).map((part) => (part.mark ? h('mark', part.text) : part.text)),
			result.edited && h('span.msg-edited', t('timeline.edited')))));
	}

	function choose(result) {
		close();
		if (!state.rooms.has(result.room)) return;
		actions.openAt(result.room, result.position);
	}

	// MARK: The filter panel (it edits the query: the text stays the one source of truth)

	const people = () => [...state.users.values()].filter((u) => !u.disabled)
		.sort((a, b) => state.displayName(a.user).localeCompare(state.displayName(b.user)));
	const roomNames = () => state.roomList().filter((r) => !state.isDirect(r)).map((r) => r.name)
		.sort((a, b) => a.localeCompare(b));

	/** A select whose first option means "no such operator"; a typed value not listed is added. */
	function choice(key, label, none, options) {
		const current = operatorValue(input.value, key);
		const known = options.some((o) => o.value.toLowerCase() === current.toLowerCase());
		const select = h('select', { name: key, 'data-filter': key, onchange: () => edit(withOperator(input.value, key, select.value)) },
			h('option', { value: '' }, none),
			!known && current && h('option', { value: current }, current),
			options.map((o) => h('option', { value: o.value }, o.label)));
		select.value = known ? options.find((o) => o.value.toLowerCase() === current.toLowerCase()).value : current;
		return h('label.search-filter', h('span', label), select);
	}

	function date(key, label) {
		const control = h('input', { type: 'date', name: key, 'data-filter': key, value: operatorValue(input.value, key),
			onchange: () => edit(withOperator(input.value, key, control.value)) });
		return h('label.search-filter', h('span', label), control);
	}

	function flag(key, value, label) {
		const box = h('input', { type: 'checkbox', name: key + '-' + value, 'data-filter': key + ':' + value,
			checked: hasFlag(input.value, key, value), onchange: () => edit(withFlag(input.value, key, value, box.checked)) });
		return h('label.check', box, h('span', label));
	}

	function drawFilters() {
		const persons = people().map((u) => ({ value: u.username, label: state.displayName(u.user) }));
		const others = persons.filter((p) => p.value !== state.me.username);
		fill(filters,
			h('div.search-filter-grid',
				choice('from', t('search.filter.from'), t('search.filter.anyone'), persons),
				choice('in', t('search.filter.in'), t('search.filter.anywhere'), roomNames().map((name) => ({ value: name, label: '#' + name }))),
				choice('with', t('search.filter.with'), t('search.filter.anyone'), others),
				date('after', t('search.filter.after')),
				date('before', t('search.filter.before')),
				date('on', t('search.filter.on'))),
			h('div.search-flags',
				flag('has', 'file', t('search.filter.hasFile')),
				flag('has', 'link', t('search.filter.hasLink')),
				flag('is', 'mention', t('search.filter.isMention')),
				h('button.link', { 'data-action': 'search-clear-filters', onclick: () => edit(withoutOperators(input.value)) },
					t('search.filter.clear'))));
	}

	/** Redraws the filters from the text, keeping the focus on the control that was being used. */
	function syncFilters() {
		if (filters.hidden) return;
		const focused = document.activeElement?.closest?.('.search-filters') && document.activeElement.dataset.filter;
		drawFilters();
		if (focused) filters.querySelector(`[data-filter="${focused}"]`)?.focus();
	}

	function edit(query) {
		input.value = query;
		syncFilters(); // "Clear" and the flags change other controls than the one used
		run();
	}

	function toggleFilters() {
		filters.hidden = !filters.hidden;
		filtersButton.setAttribute('aria-expanded', String(!filters.hidden));
		open();
		if (!filters.hidden) {
			drawFilters();
			filters.querySelector('select')?.focus();
		}
		if (!page && !input.value.trim()) status.textContent = t('search.hint');
	}

	function drawOrder() {
		fill(orderBar, ['newest', 'relevance'].map((key) => h('button.search-order-button', {
			'data-order': key, 'aria-pressed': String(order === key),
			onclick: () => {
				order = key;
				localStorage.setItem(ORDER_KEY, key);
				drawOrder();
				run();
			},
		}, t('search.' + key))));
	}

	// MARK: Opening and closing

	function open() {
		if (!panel.hidden) return;
		panel.hidden = false;
	}

	function close() {
		clearTimeout(timer);
		panel.hidden = true;
	}

	// Typed: the filters follow the text at once, the search a moment later.
	input.addEventListener('input', () => { open(); syncFilters(); schedule(); });
	input.addEventListener('focus', () => { if (input.value.trim() || !filters.hidden) open(); });
	// Esc closes the results (and nothing else: the shell's Esc would mark the room read); a
	// second Esc, with the panel closed, leaves the box.
	const escape = (event) => {
		if (event.key !== 'Escape') return;
		event.stopPropagation();
		event.preventDefault();
		if (!panel.hidden) { close(); input.focus(); } else input.blur();
	};
	el.addEventListener('keydown', escape);
	panel.addEventListener('keydown', escape);
	// Down from the box goes into the results; Up and Down move between them.
	input.addEventListener('keydown', (event) => {
		if (event.key === 'ArrowDown' && list.querySelector('button')) {
			event.preventDefault();
			list.querySelector('button').focus();
		}
	});
	list.addEventListener('keydown', (event) => {
		if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
		const buttons = [...list.querySelectorAll('.search-result')];
		const at = buttons.indexOf(document.activeElement);
		if (at < 0) return;
		event.preventDefault();
		if (event.key === 'ArrowUp' && at === 0) input.focus();
		else buttons[Math.min(buttons.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1))].focus();
	});
	drawOrder();

	return {
		el,
		panel,
		focus() {
			input.focus();
			input.select();
			if (input.value.trim()) run();
		},
		close,
		/** For a document pointerdown: a click elsewhere (the timeline, the sidebar) closes the panel, as a menu closes. */
		outside(event) {
			if (!panel.hidden && !panel.contains(event.target) && !el.contains(event.target)) close();
		},
	};
}
