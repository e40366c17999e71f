// The boards screen, full width: my projects as tiles (open cards, overdue ones, members, the
// deadline), a new project, "My cards" on every board, and one board opened (views/board.js).
// The list is asked again when a board event arrives while it shows (a board made, archived…).

import { h, fill, coalesce } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatDate } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { deadlineState } from '../lib/boards.js';
import { iconButton, errorText, checkbox } from './ui.js';
import { createBoardView } from './board.js';
import { shortDeadline } from './board-card.js';

const lazy = (load, name) => async (...args) => (await load())[name](...args);
const createBoardDialog = lazy(() => import('./board-settings.js'), 'createBoardDialog');
const REFRESH_MS = 800;

export function createBoards(client, actions) {
	const state = client.state;
	const el = h('div.boards-screen');
	let board = null; // { id, view }
	let tab = 'projects';
	let showArchived = false;
	let everyBoard = false;
	let timer = null;

	function show(route = {}) {
		if (route.board) {
			if (board?.id !== route.board) {
				board?.view.destroy();
				const view = createBoardView(client, actions, route.board, {
					onBack: () => actions.openKanban({}),
					onGone: () => actions.openKanban({}),
				});
				board = { id: route.board, view };
				fill(el, view.el);
			}
			if (route.card) board.view.openCard(route.card);
			return;
		}
		board?.view.destroy();
		board = null;
		tab = route.mine ? 'mine' : 'projects';
		drawScreen();
	}

	const drawScreen = coalesce(() => {
		if (board) return;
		const body = h('div.boards-body', h('p.board-status', t('common.loading')));
		const archived = checkbox(t('boards.showArchived'), { checked: showArchived, 'data-action': 'show-archived',
			onchange: (e) => { showArchived = e.target.checked; drawScreen(); } });
		const all = state.can('administer') && checkbox(t('boards.everyBoard'), { checked: everyBoard, 'data-action': 'every-board',
			onchange: (e) => { everyBoard = e.target.checked; drawScreen(); } });
		fill(el, h('header.work-head',
			iconButton('menu', t('header.rooms'), () => actions.setDrawer('left'), { class: 'only-narrow' }),
			h('h2', { id: 'boards-title' }, t('boards.title')),
			h('div.tabs.work-tabs', { role: 'tablist', 'aria-label': t('boards.title') },
				[['projects', 'boards.projects'], ['mine', 'boards.mine']].map(([key, label]) => h('button', { role: 'tab',
					'data-tab': key, 'aria-selected': String(tab === key), onclick: () => actions.openKanban(key === 'mine' ? { mine: true } : {}) },
				t(label)))),
			tab === 'projects' && h('div.work-tools', archived.el, all && all.el,
				(state.can('kanban') || state.can('administer')) && h('button.button.primary', { 'data-action': 'new-board',
					onclick: () => createBoardDialog(client, (id) => actions.openKanban({ board: id })) }, icon('plus'), t('boards.new')))),
		body);
		(tab === 'mine' ? drawMine(body) : drawProjects(body)).catch((error) => fill(body, h('p.board-status', { role: 'alert' }, errorText(error))));
	});

	async function drawProjects(body) {
		const { boards } = await api('GET', 'boards' + (everyBoard ? '?all=true' : ''));
		const shown = boards.filter((b) => showArchived || !b.archived);
		fill(body, shown.length ? h('ul.board-tiles', { role: 'list' }, shown.map(tile))
			: h('div.boards-empty', h('p', t(boards.length ? 'boards.allArchived' : 'boards.none')),
				h('p.hint', t('boards.noneHint'))));
	}

	function tile(b) {
		return h('li', h('button.board-tile', { class: 'c-' + b.colour + (b.archived ? ' archived' : ''), 'data-board': b.id,
			onclick: () => actions.openKanban({ board: b.id }) },
		h('span.board-tile-title', { dir: 'auto' }, b.title),
		h('span.board-tile-facts',
			h('span', t('boards.open', { count: b.open })),
			b.overdue > 0 && h('span.overdue', t('boards.overdue', { count: b.overdue })),
			h('span', t('boards.cards', { count: b.cards }))),
		h('span.board-tile-foot',
			h('span', icon('people'), String(b.members)),
			b.deadline != null && h('span', icon('clock'), formatDate(b.deadline)),
			b.role && h('span.tag', t('boardRole.' + b.role)),
			b.archived && h('span.tag', t('boards.archived')))));
	}

	/** Cards assigned to me on every board, soonest deadline first; done ones last. */
	async function drawMine(body) {
		const { cards } = await api('GET', 'me/cards');
		cards.sort((a, b) => a.done - b.done || (a.deadline ?? Infinity) - (b.deadline ?? Infinity));
		if (!cards.length) return fill(body, h('div.boards-empty', h('p', t('boards.noCards'))));
		fill(body, h('div.table-wrap', h('table.table.card-table', { 'aria-label': t('boards.mine') },
			h('thead', h('tr', ['card.title', 'boards.board', 'card.stage', 'card.deadline', 'card.priority'].map((key) => h('th', { scope: 'col' }, t(key))))),
			h('tbody', cards.map((card) => {
				const late = deadlineState(card, card.done);
				return h('tr', { class: card.done ? 'done' : '', 'data-card': card.id },
					h('td', h('button.link.card-open', { onclick: () => actions.openKanban({ board: card.board, card: card.id }) }, card.title)),
					h('td', { dir: 'auto' }, card.boardTitle),
					h('td', { dir: 'auto' }, card.stageName),
					h('td', { class: late ? 'due ' + late : '' }, card.deadline != null ? shortDeadline(card.deadline) : ''),
					h('td', card.priority !== 'none' ? t('priority.' + card.priority) : ''));
			})))));
	}

	// A board made, changed or left, or cards counted differently: the list is asked again.
	const onEvent = ({ event }) => {
		if (board || !event) return;
		clearTimeout(timer);
		timer = setTimeout(drawScreen, REFRESH_MS);
	};
	state.on('board', onEvent);

	return {
		el,
		show,
		destroy() {
			clearTimeout(timer);
			state.off('board', onEvent);
			board?.view.destroy();
			board = null;
		},
	};
}
