// A board's head: back to the boards, its title and colour, the caller's role, and the tools —
// board or list, filters (assignee, label, due date, words), the board as it was at a moment,
// lanes and labels for editors, settings for owners. The filters row shows while open or in use.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { openDialog, field, iconButton, dateTimeInputs } from './ui.js';
import { keepFocus } from './sidebar.js';

const DEBOUNCE_MS = 120;

export function createToolbar(view) {
	const headSlot = h('div');
	const rowSlot = h('div', { hidden: true });
	const el = h('div.board-top', headSlot, rowSlot);
	let open = false;
	let timer = null;

	/** The head again; the filters too unless `filters` is false (their boxes keep focus and caret). */
	function draw({ filters = true } = {}) {
		keepFocus(el, () => {
			fill(headSlot, head());
			rowSlot.hidden = !open && !active();
			if (filters || !rowSlot.firstChild) fill(rowSlot, filterRow());
			const clear = rowSlot.querySelector('[data-action="clear-filters"]');
			if (clear) clear.hidden = !active();
		});
	}

	const active = () => Object.values(view.filters).some(Boolean);

	function head() {
		const model = view.model();
		const count = Object.values(view.filters).filter(Boolean).length;
		const tool = (key, iconName, label, onclick, props = {}) => h('button.button.small', { 'data-key': key, 'data-action': key,
			title: label, onclick, ...props }, icon(iconName), h('span.tool-label', label));
		return h('header.board-head',
			iconButton('menu', t('header.rooms'), view.actions.menu, { class: 'only-narrow' }),
			iconButton('back', t('boards.all'), view.actions.back, { 'data-key': 'back', 'data-action': 'boards-back' }),
			h('span', { class: 'board-dot c-' + model.colour, 'aria-hidden': 'true' }),
			h('h2', { id: 'board-title', dir: 'auto' }, model.title),
			model.role && h('span.tag', t('boardRole.' + model.role)),
			model.archived && h('span.tag', t('boards.archived')),
			h('div.board-tools',
				h('div.segmented', { role: 'group', 'aria-label': t('board.viewAs') },
					['board', 'list'].map((mode) => h('button.button.small', { 'data-key': 'mode-' + mode, 'data-mode': mode, title: t('board.mode.' + mode),
						'aria-pressed': String(view.mode === mode), onclick: () => view.actions.mode(mode) },
					icon(mode === 'board' ? 'board' : 'list'), h('span.tool-label', t('board.mode.' + mode))))),
				tool('filters', 'filter', count ? t('board.filtersCount', { count }) : t('board.filters'),
					() => { open = !open; draw({ filters: false }); if (!rowSlot.hidden) rowSlot.querySelector('[data-filter="text"]')?.focus(); },
					{ 'aria-expanded': String(open || active()), class: count ? 'on' : '' }),
				tool('as-of', 'history', t('board.asOf'), asOfDialog),
				model.can('editor') && tool('add-lane', 'plus', t('board.addLane'), view.actions.addLane, { class: 'secondary' }),
				model.can('editor') && tool('labels', 'edit', t('board.labels'), view.actions.labels, { class: 'secondary' }),
				model.asOf == null && tool('archived', 'archive', t('board.archivedCards'), view.actions.archived, { class: 'secondary' }),
				// Owners, an archived board too (to restore it); not the past.
				model.role === 'owner' && model.asOf == null && tool('settings', 'settings', t('board.settings'), view.actions.settings, { class: 'secondary' })));
	}

	function filterRow() {
		const model = view.model();
		const f = view.filters;
		const set = (key, value) => view.actions.filters({ ...view.filters, [key]: value });
		const select = (key, label, options) => h('label.board-filter', h('span', label),
			h('select', { 'data-filter': key, 'data-key': 'f-' + key, onchange: (e) => set(key, e.target.value) },
				options.map(([value, text]) => h('option', { value, selected: f[key] === value }, text))));
		const people = model.members.map((m) => m.user).sort((a, b) => view.name(a).localeCompare(view.name(b)));
		const text = h('input', { type: 'search', value: f.text, 'data-filter': 'text', 'data-key': 'f-text', placeholder: t('board.filterText'),
			'aria-label': t('board.filterText'), oninput: () => {
				clearTimeout(timer);
				timer = setTimeout(() => set('text', text.value), DEBOUNCE_MS);
			} });
		return h('div.board-filters', { role: 'search' },
			h('label.board-filter.wide', h('span', t('board.filterWords')), text),
			select('assignee', t('board.filterAssignee'), [['', t('board.anyone')], ['me', t('board.me')], ['none', t('board.unassigned')],
				...people.map((user) => [user, view.name(user)])]),
			select('label', t('board.filterLabel'), [['', t('board.anyLabel')], ...model.labels.map((l) => [l.id, l.name])]),
			select('due', t('board.filterDue'), [['', t('board.anyDue')], ['overdue', t('board.due.overdue')],
				['week', t('board.due.week')], ['none', t('board.due.none')]]),
			h('button.link', { 'data-key': 'f-clear', 'data-action': 'clear-filters', hidden: !active(),
				onclick: () => view.actions.filters({ text: '', assignee: '', label: '', due: '' }, { rebuild: true }) }, t('board.clearFilters')));
	}

	/** "View as of…": a date and a time; the board as it was then, read-only. */
	function asOfDialog() {
		const model = view.model();
		const inputs = dateTimeInputs(model.asOf ?? Date.now(), ['asOfDate', 'asOfTime'], { seconds: true });
		openDialog({
			title: t('board.asOfTitle'),
			submitLabel: t('board.asOfShow'),
			body: [h('p.hint', t('board.asOfHint')), h('div.field-pair', field(t('board.date'), inputs.date), field(t('board.time'), inputs.time))],
			onSubmit: async () => {
				const ms = inputs.read();
				if (ms == null) throw t('board.asOfRequired');
				await view.actions.asOf(Math.min(ms, Date.now()));
			},
		});
	}

	return { el, draw };
}
