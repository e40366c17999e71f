// One board: its head and tools (views/board-toolbar.js), then its columns or its list, kept up
// to date by the live events after the snapshot's position. The snapshot is fetched while events
// keep coming: those that arrive meanwhile wait, and only those after its position apply (a stage
// or a lane deleted fetches it again). Moves, new cards and the WIP limit's question are here;
// dialogs load on first use. `performance.mark('board-drawn')` says when a board is on screen.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatDateTime } from '../lib/i18n.js';
import { BoardModel, cardFilter } from '../lib/boards.js';
import { openDialog, toast, errorText } from './ui.js';
import { createColumns } from './board-columns.js';
import { installMoves } from './board-drag.js';
import { createToolbar } from './board-toolbar.js';

const lazy = (load, name) => async (...args) => (await load())[name](...args);
const stages = (name) => lazy(() => import('./board-stages.js'), name);
const openCard = lazy(() => import('./card-dialog.js'), 'cardDialog');
const boardSettings = lazy(() => import('./board-settings.js'), 'boardSettingsDialog');
const listView = lazy(() => import('./board-list.js'), 'createList');

export const boardPath = (id, ...parts) => ['boards', id, ...parts].map(encodeURIComponent).join('/');

/** Asks whether to go past a stage's WIP limit; resolves true to go on. */
export function confirmOverLimit(stage) {
	return new Promise((resolve) => {
		let answer = false;
		const { dialog } = openDialog({ title: t('board.wipTitleAsk'), submitLabel: t('board.wipGoOn'),
			body: h('p', t('board.wipAsk', { stage: stage?.name ?? '', limit: stage?.wipLimit ?? 0 })),
			onSubmit: () => { answer = true; } });
		dialog.addEventListener('close', () => resolve(answer));
	});
}

export function createBoardView(client, actions, id, { onBack, onGone }) {
	const state = client.state;
	const announcer = h('p.sr-only', { role: 'status', 'aria-live': 'polite' });
	const body = h('div.board-body', h('p.board-status', t('common.loading')));
	const banner = h('div.board-banner', { role: 'status', hidden: true });
	const hint = h('p.sr-only', { id: 'board-move-hint' }, t('board.moveHint'));
	let model = null;
	let filters = { text: '', assignee: '', label: '', due: '' };
	let filter = null;
	let mode = localStorage.getItem('causerie.boardView') === 'list' ? 'list' : 'board';
	let waiting = null; // events that arrived while the snapshot was on its way
	let list = null; // the list view (a promise: its script loads on first use)
	let destroyed = false;

	const name = (user) => state.displayName(user);
	const view = {
		client, state, id, name,
		uploads: () => actions.uploads,
		model: () => model,
		filter: () => filter,
		editable: () => model?.can('editor') ?? false,
		announce: (text) => { announcer.textContent = ''; setTimeout(() => { announcer.textContent = text ?? t('board.readOnly'); }, 30); },
		actions: {
			openCard: (card) => openCard(view, card),
			addCard, addStage: () => stages('stageDialog')(view, null),
			stageMenu: (stage) => stages('stageDialog')(view, stage),
			laneMenu: (lane) => stages('laneDialog')(view, lane),
			addLane: () => stages('laneDialog')(view, null),
			labels: () => stages('labelsDialog')(view),
			archived: () => lazy(() => import('./board-list.js'), 'archivedDialog')(view),
			settings: () => boardSettings(client, model),
			mode: (next) => { mode = next; localStorage.setItem('causerie.boardView', next); draw(); },
			filters: (next, { rebuild = false } = {}) => {
				filters = next;
				filter = cardFilter(filters, model);
				toolbar.draw({ filters: rebuild });
				drawBody();
			},
			asOf: (ms) => load(ms),
			back: onBack,
			menu: () => actions.setDrawer('left'),
		},
		get mode() { return mode; },
		get filters() { return filters; },
	};
	const columns = createColumns(view);
	const toolbar = createToolbar(view);
	const moves = installMoves(columns.el, {
		canMove: () => view.editable(), model: () => model, cell: (stage, lane) => columns.cell(stage, lane),
		open: (card) => view.actions.openCard(card), announce: view.announce, move,
	});
	const el = h('section.board-view', { 'aria-labelledby': 'board-title' }, toolbar.el, banner, body, announcer, hint);

	/** The board now, or as it was at `asOf` (ms): read-only then, with a banner saying so. */
	async function load(asOf = null) {
		performance.mark('board-open');
		waiting = asOf == null ? [] : null;
		try {
			const snapshot = await api('GET', boardPath(id) + (asOf == null ? '' : '?asOf=' + Math.floor(asOf)));
			if (destroyed) return;
			performance.mark('board-fetched');
			model = new BoardModel(snapshot, { me: state.me.user, admin: state.can('administer') });
			for (const event of waiting || []) model.apply(event);
			waiting = null;
			filter = cardFilter(filters, model);
			draw();
			performance.mark('board-drawn');
			performance.measure('board-open-to-drawn', 'board-open', 'board-drawn');
		} catch (error) {
			waiting = null;
			if (asOf != null) { toast(errorText(error), 'error'); return; }
			fill(body, h('div.board-status', h('p', { role: 'alert' }, errorText(error)),
				h('button.button', { 'data-action': 'boards-back', onclick: onBack }, t('boards.all'))));
		}
	}

	function draw() {
		if (!model) return;
		toolbar.draw();
		drawBanner();
		drawBody();
	}

	/** The columns or the list (the head and filters stay as they are). */
	function drawBody() {
		if (mode === 'list') {
			columns.destroy();
			// Made once: its sort order stays while events redraw it.
			(list ??= listView(view)).then((made) => {
				if (destroyed || mode !== 'list') return;
				if (made.el.parentElement !== body) fill(body, made.el);
				made.draw();
			});
		} else {
			if (columns.el.parentElement !== body) fill(body, columns.el);
			columns.forgetTiles();
			columns.draw();
			// Style and layout now: the mark after this is a board on screen, not one still to lay out.
			void columns.el.offsetHeight;
		}
	}

	function drawBanner() {
		const past = model.asOf != null;
		banner.hidden = !past && !model.archived;
		banner.className = 'board-banner' + (past ? ' past' : '');
		fill(banner, past
			? [h('span', t('board.asOfBanner', { date: formatDateTime(model.asOf) })),
				h('button.button.small', { 'data-action': 'back-to-now', onclick: () => load() }, t('board.backToNow'))]
			: model.archived && h('span', t('board.archivedBanner')));
	}

	// MARK: Live events

	const onEvent = ({ event }) => {
		if (!event || event.board !== id) return;
		if (waiting) { waiting.push(event); return; }
		if (!model || model.asOf != null) return; // the past does not change
		const change = model.apply(event);
		if (!change) return;
		if (change.removed) { toast(t('board.removed', { title: model.title })); onGone(); return; }
		if (change.refetch) { load(); return; }
		if (change.all || change.header || mode === 'list') { draw(); return; }
		columns.redrawCells(change.cells, change.cards);
	};
	state.on('board', onEvent);

	// MARK: Actions

	/** A move asked by a drop or a key; the WIP limit asks first; a refusal puts the card back. */
	async function move(cardId, target, byKeyboard = false) {
		const card = model.cards.get(cardId);
		if (!card) return;
		const stage = model.stage(target.stage);
		if (byKeyboard) placeNow(cardId, card, target);
		const said = stage.id !== card.stage ? t('board.movedTo', { title: card.title, stage: stage.name })
			: target.lane !== card.lane ? t('board.movedToLane', { title: card.title, lane: model.lane(target.lane)?.name || t('board.unnamedLane') })
				: t('board.movedWithin', { title: card.title });
		try {
			await api('POST', boardPath(id, 'cards', cardId, 'move'), target);
			view.announce(said);
		} catch (error) {
			if (error.reason === 'wip_limit' && await confirmOverLimit(stage)) {
				try {
					await api('POST', boardPath(id, 'cards', cardId, 'move'), { ...target, overLimit: true });
					view.announce(said);
					return;
				} catch (again) { error = again; }
			}
			if (error.reason !== 'wip_limit') toast(errorText(error), 'error');
			columns.redrawCells([...new Set([cellOf(card), cellOf(target)])], [cardId]);
			columns.focusCard(cardId);
		}
	}

	const cellOf = (where) => columns.cell(where.stage, where.lane)?.key;

	/** A keyboard move shows at once (the server's event then draws it for good). */
	function placeNow(cardId, card, target) {
		const node = columns.el.querySelector(`.card[data-card="${CSS.escape(cardId)}"]`);
		const ul = columns.cell(target.stage, target.lane)?.ul;
		if (!node || !ul) return;
		const neighbour = target.before || target.after;
		const other = neighbour && ul.querySelector(`.card[data-card="${CSS.escape(neighbour)}"]`);
		if (target.position === 'top') ul.prepend(node);
		else if (other) other[target.before ? 'before' : 'after'](node);
		node.focus();
	}

	/** A card added from a column's form, at the top; past the WIP limit only if the user says so. */
	async function addCard(stage, lane, title) {
		const fields = { stage, lane, title, position: 'top' };
		try {
			await api('POST', boardPath(id, 'cards'), fields);
		} catch (error) {
			if (error.reason === 'wip_limit' && await confirmOverLimit(model.stage(stage))) {
				return api('POST', boardPath(id, 'cards'), { ...fields, overLimit: true }).catch((e) => toast(errorText(e), 'error'));
			}
			if (error.reason !== 'wip_limit') toast(errorText(error), 'error');
		}
	}

	load();
	return {
		el,
		get model() { return model; },
		/** Opens a card once the board is in (a notification, "My cards"). */
		async openCard(cardId) {
			while (!model && !destroyed) await new Promise((resolve) => setTimeout(resolve, 50));
			if (model?.cards.has(cardId)) view.actions.openCard(cardId);
		},
		destroy() {
			destroyed = true;
			state.off('board', onEvent);
			columns.destroy();
			moves.destroy();
			document.querySelectorAll('dialog.card-dialog').forEach((d) => d.close());
		},
	};
}
