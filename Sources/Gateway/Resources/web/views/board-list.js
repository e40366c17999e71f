// A board as a table: every card that passes the filters, sortable by stage (the board's order),
// deadline, assignee, priority or title, a column header's button toggling the direction.
// Long boards show 200 rows, then more on demand: a table of 10,000 rows helps nobody. And the
// archived cards, each with Restore (it goes back to the end of its list).

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatShortDateTime } from '../lib/i18n.js';
import { cardSorter, deadlineState, checklistProgress } from '../lib/boards.js';
import { openDialog, errorText } from './ui.js';
import { shortDeadline } from './board-card.js';
import { boardPath } from './board.js';

const PAGE = 200;
const SORTABLE = ['title', 'stage', 'assignee', 'deadline', 'priority'];

export function createList(view) {
	const el = h('div.board-list.table-wrap');
	let by = localStorage.getItem('causerie.boardSort') || 'stage';
	let reversed = false;
	let shown = PAGE;

	function cards() {
		const model = view.model();
		const filter = view.filter();
		const all = [];
		for (const lane of model.lanes) {
			for (const stage of model.stages) {
				for (const card of model.list(stage.id, lane.id)) if (!filter || filter(card)) all.push(card);
			}
		}
		const sort = cardSorter(by, model, view.name);
		all.sort(reversed ? (a, b) => sort(b, a) : sort);
		return all;
	}

	function header(key, label) {
		if (!SORTABLE.includes(key)) return h('th', { scope: 'col' }, label);
		const sorted = by === key;
		return h('th', { scope: 'col', 'aria-sort': sorted ? (reversed ? 'descending' : 'ascending') : 'none' },
			h('button.sort-button', { 'data-sort': key, onclick: () => {
				reversed = sorted ? !reversed : false;
				by = key;
				localStorage.setItem('causerie.boardSort', key);
				draw();
			} }, label, sorted && h('span.sort-mark', { 'aria-hidden': 'true' }, reversed ? ' ▼' : ' ▲')));
	}

	function row(card) {
		const model = view.model();
		const stage = model.stage(card.stage);
		const late = deadlineState(card, stage?.done);
		const progress = checklistProgress(card);
		return h('tr', { 'data-card': card.id, class: stage?.done ? 'done' : '' },
			h('td', h('button.link.card-open', { onclick: () => view.actions.openCard(card.id) }, card.title)),
			h('td', { dir: 'auto' }, stage?.name ?? ''),
			!model.plainLanes && h('td', { dir: 'auto' }, model.lane(card.lane)?.name || t('board.unnamedLane')),
			h('td', card.assignees.map(view.name).join(', ')),
			h('td', { class: late ? 'due ' + late : '' }, card.deadline != null ? shortDeadline(card.deadline) : ''),
			h('td', card.priority !== 'none' ? h('span', { class: 'card-priority p-' + card.priority }, t('priority.' + card.priority)) : ''),
			h('td', card.labels.map((id) => model.label(id)).filter(Boolean).map((l) => h('span', { class: 'card-label c-' + l.colour }, l.name))),
			h('td', progress ? `${progress.done}/${progress.total}` : ''));
	}

	function draw() {
		const model = view.model();
		const list = cards();
		const more = list.length > shown;
		fill(el, h('table.table.card-table', { 'aria-label': t('board.mode.list') },
			h('thead', h('tr', header('title', t('card.title')), header('stage', t('card.stage')),
				!model.plainLanes && header('lane', t('card.lane')), header('assignee', t('card.assignees')),
				header('deadline', t('card.deadline')), header('priority', t('card.priority')),
				header('labels', t('card.labels')), header('checklist', t('card.checklist')))),
			h('tbody', list.slice(0, shown).map(row))),
		!list.length && h('p.board-status', t('board.noMatch')),
		more && h('button.button.list-more', { 'data-action': 'list-more', onclick: () => { shown += PAGE; draw(); } },
			t('board.showMore', { count: list.length - shown })));
	}

	return { el, draw };
}

/** The archived cards of the board (asked with ?archived=true), newest change first. */
export async function archivedDialog(view) {
	const list = h('ul.archived-cards', { role: 'list' }, h('li.muted', t('common.loading')));
	const { error } = openDialog({ title: t('board.archivedCards'), className: 'wide', body: list });
	try {
		const board = await api('GET', boardPath(view.id) + '?archived=true');
		const cards = board.cards.filter((c) => c.archived).sort((a, b) => b.updated - a.updated);
		fill(list, cards.length ? cards.map((card) => h('li.archived-card', { 'data-card': card.id },
			h('span', { dir: 'auto' }, card.title), h('span.muted', formatShortDateTime(card.updated)),
			view.editable() && h('button.button.small', { 'data-action': 'restore-card', onclick: async (event) => {
				try {
					await api('PATCH', boardPath(view.id, 'cards', card.id), { archived: false });
					event.target.closest('li').remove();
				} catch (failure) {
					error.textContent = errorText(failure);
				}
			} }, t('card.restore')))) : h('li.hint', t('board.noArchivedCards')));
	} catch (failure) {
		error.textContent = errorText(failure);
	}
}
