// The board's columns: stages left to right, swimlanes top to bottom (no lane header while there
// is one lane without a name), and in each cell its list of cards, drawn lazily — the first fifty,
// more as the list scrolls (an IntersectionObserver watches a sentinel at its end) — so that a
// board of 10,000 cards opens as fast as one of ten. Tiles are kept by card id and rebuilt only
// when their card changes; a redraw puts the keyboard focus back on the card that had it.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { cellKey } from '../lib/boards.js';
import { iconButton } from './ui.js';
import { cardNode } from './board-card.js';

const PAGE = 50;

/**
 * `view`: { model(), filter(), name(user), editable(), actions: { openCard(id), stageMenu(stage),
 * laneMenu(lane), addCard(stage, lane, title), addStage() } }.
 */
export function createColumns(view) {
	const grid = h('div.board-grid');
	const el = h('div.board-scroll', grid);
	const cells = new Map(); // cell key → { stage, lane, ul, shown, visible }
	const shownBefore = new Map(); // how far each list was scrolled open, kept across redraws
	const tiles = new Map(); // card id → its <li>
	const heads = new Map(); // stage id → its count element
	const observer = new IntersectionObserver((entries) => {
		for (const entry of entries) if (entry.isIntersecting && entry.target.cell) more(entry.target.cell);
	}, { root: el, rootMargin: '400px' });

	const tile = (card) => {
		let node = tiles.get(card.id);
		if (!node) {
			node = cardNode(card, { board: view.model(), name: view.name, draggable: view.editable() });
			tiles.set(card.id, node);
		}
		return node;
	};

	function visibleList(stage, lane) {
		const list = view.model().list(stage, lane);
		const filter = view.filter();
		return filter ? list.filter(filter) : list;
	}

	/** Everything again: stages, lanes, every list (after a stage or lane changed, a filter…). */
	function draw() {
		const model = view.model();
		const focused = focusedCard();
		observer.disconnect();
		for (const [key, cell] of cells) shownBefore.set(key, cell.shown);
		cells.clear();
		heads.clear();
		const editable = view.editable();
		grid.style.setProperty('--stages', model.stages.length + (editable ? 1 : 0));
		grid.classList.toggle('single-lane', model.lanes.length === 1);
		const rows = [model.stages.map((stage) => stageHead(stage, editable)),
			editable && h('div.stage-head.stage-add', h('button.button.small', { 'data-action': 'add-stage',
				onclick: () => view.actions.addStage() }, icon('plus'), t('board.addStage')))];
		for (const lane of model.lanes) {
			if (!model.plainLanes) rows.push(laneHead(lane, editable));
			for (const stage of model.stages) rows.push(cellElement(stage, lane));
			if (editable) rows.push(h('div.cell.cell-pad', { 'aria-hidden': 'true' }));
		}
		fill(grid, rows);
		for (const cell of cells.values()) render(cell);
		counts();
		if (focused) focusCard(focused);
	}

	function stageHead(stage, editable) {
		const count = h('span.stage-count');
		heads.set(stage.id, count);
		return h('div.stage-head', { 'data-stage': stage.id, class: stage.done ? 'done' : '' },
			h('h3.stage-name', { id: 'stage-' + stage.id, dir: 'auto' }, stage.done && h('span.stage-done', { title: t('board.doneStage') },
				icon('tick')), stage.name),
			count,
			editable && iconButton('plus', t('board.addCardTo', { stage: stage.name }), () => addForm(stage),
				{ 'data-action': 'add-card', class: 'stage-tool' }),
			editable && iconButton('more', t('board.stageMenu', { stage: stage.name }), () => view.actions.stageMenu(stage),
				{ 'data-action': 'stage-menu', class: 'stage-tool' }));
	}

	function laneHead(lane, editable) {
		return h('div.lane-head', { 'data-lane': lane.id },
			h('h3.lane-name', { dir: 'auto' }, lane.name || t('board.unnamedLane')),
			editable && iconButton('more', t('board.laneMenu', { lane: lane.name || t('board.unnamedLane') }),
				() => view.actions.laneMenu(lane), { 'data-action': 'lane-menu', class: 'stage-tool' }));
	}

	function cellElement(stage, lane) {
		const model = view.model();
		const label = model.plainLanes ? stage.name : `${stage.name} — ${lane.name || t('board.unnamedLane')}`;
		const ul = h('ul.card-list', { role: 'list', 'data-stage': stage.id, 'data-lane': lane.id, 'aria-label': label });
		const key = cellKey(stage.id, lane.id);
		cells.set(key, { key, stage: stage.id, lane: lane.id, ul, shown: shownBefore.get(key) || PAGE, visible: [] });
		return h('div.cell', { 'data-stage': stage.id }, ul);
	}

	/** One list: its first `shown` visible cards, and a sentinel when there are more. */
	function render(cell) {
		cell.visible = visibleList(cell.stage, cell.lane);
		const count = Math.min(cell.visible.length, Math.max(PAGE, cell.shown));
		const nodes = new Array(count);
		for (let i = 0; i < count; i++) nodes[i] = tile(cell.visible[i]);
		// A new card's form stays open at the top while the cards it adds arrive.
		const form = cell.ul.querySelector(':scope > .card-new');
		const typing = form?.contains(document.activeElement) ? document.activeElement : null;
		cell.ul.replaceChildren(...(form ? [form] : []), ...nodes);
		typing?.focus();
		cell.shown = count;
		sentinel(cell);
	}

	function sentinel(cell) {
		if (cell.shown >= cell.visible.length) return;
		const li = h('li.card-sentinel', { 'aria-hidden': 'true' }, t('common.loading'));
		li.cell = cell;
		cell.ul.append(li);
		observer.observe(li);
	}

	/** The next page of a list, appended (what is drawn stays). */
	function more(cell) {
		const end = cell.ul.querySelector(':scope > .card-sentinel');
		if (end) { observer.unobserve(end); end.remove(); }
		const next = Math.min(cell.visible.length, cell.shown + PAGE);
		for (let i = cell.shown; i < next; i++) cell.ul.append(tile(cell.visible[i]));
		cell.shown = next;
		sentinel(cell);
	}

	/** Card counts in the stage heads: shown (of all, when filtered) and the WIP limit. */
	function counts() {
		const model = view.model();
		const filtered = Boolean(view.filter());
		for (const stage of model.stages) {
			const count = heads.get(stage.id);
			if (!count) continue;
			const total = model.openCount(stage.id);
			let shown = total;
			if (filtered) {
				shown = 0;
				for (const cell of cells.values()) if (cell.stage === stage.id) shown += cell.visible.length;
			}
			const limit = stage.wipLimit;
			count.className = 'stage-count' + (limit && total > limit ? ' over' : limit && total === limit ? ' full' : '');
			count.textContent = (filtered ? t('board.countFiltered', { shown, total }) : String(total)) + (limit ? ' / ' + limit : '');
			count.title = limit ? t('board.wipTitle', { count: total, limit }) : t('board.cardCount', { count: total });
		}
	}

	/** Some lists again (a card created, moved, changed): the others are left as they are. */
	function redrawCells(keys, changedCards = []) {
		const focused = focusedCard();
		const old = changedCards.map((id) => [id, tiles.get(id)]);
		for (const id of changedCards) tiles.delete(id);
		for (const key of keys) {
			const cell = cells.get(key);
			if (cell) render(cell);
		}
		// A changed tile in a list not drawn again (a comment counted): swapped in place.
		for (const [id, node] of old) {
			if (!node?.isConnected) continue;
			const card = view.model().cards.get(id);
			if (card) node.replaceWith(tile(card)); else node.remove();
		}
		counts();
		if (focused) focusCard(focused);
	}

	function forgetTiles() { tiles.clear(); }

	function focusedCard() {
		const active = document.activeElement;
		return active?.classList?.contains('card') && el.contains(active) ? active.dataset.card : null;
	}

	/** Focuses a card's tile, drawing more of its list if it is further down. */
	function focusCard(id) {
		const card = view.model().cards.get(id);
		const cell = card && cells.get(cellKey(card.stage, card.lane));
		if (!cell) return false;
		const index = cell.visible.indexOf(card);
		if (index < 0) return false;
		while (index >= cell.shown) more(cell);
		const node = tile(card);
		node.focus({ preventScroll: false });
		return true;
	}

	/** An inline form at the top of the stage's first list: Enter adds, Esc closes. */
	function addForm(stage) {
		const lane = view.model().lanes[0];
		const cell = cells.get(cellKey(stage.id, lane.id));
		if (!cell || cell.ul.querySelector('.card-new')) return cell?.ul.querySelector('.card-new textarea')?.focus();
		const input = h('textarea', { rows: 2, maxlength: 500, 'aria-label': t('board.newCardTitle'), placeholder: t('board.newCardTitle'),
			'data-input': 'new-card' });
		const close = () => form.remove();
		const submit = async () => {
			const title = input.value.trim();
			if (!title) return close();
			input.value = '';
			await view.actions.addCard(stage.id, lane.id, title);
			input.focus();
		};
		const form = h('li.card-new', input, h('div.button-row',
			h('button.button.small.primary', { onclick: submit }, t('board.addCard')),
			h('button.button.small', { onclick: close }, t('common.cancel'))));
		input.addEventListener('keydown', (event) => {
			if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); submit(); }
			if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); close(); }
		});
		cell.ul.prepend(form);
		cell.ul.scrollTop = 0;
		input.focus();
	}

	return {
		el, draw, redrawCells, forgetTiles, focusCard, counts,
		cell: (stage, lane) => cells.get(cellKey(stage, lane)),
		destroy: () => observer.disconnect(),
	};
}
