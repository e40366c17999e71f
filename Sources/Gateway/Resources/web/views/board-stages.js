// Editors shape a board: a stage (name, WIP limit, done flag; moved left or right; deleted, its
// cards going to a stage the user picks), a swimlane (name; moved up or down; deleted likewise),
// and the board's labels. Each change is one request; the events it makes redraw the board.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { COLOURS } from '../lib/boards.js';
import { openDialog, field, checkbox, iconButton, errorText } from './ui.js';
import { boardPath } from './board.js';

/** Runs a request from a button inside a dialog: closes it when done, else says why. */
const step = (getDialog, request) => async () => {
	const dialog = getDialog();
	try {
		await request();
		dialog.close();
	} catch (error) {
		dialog.error.textContent = typeof error === 'string' ? error : errorText(error);
	}
};

/** Asks where the cards of a stage or lane go, then deletes it. */
function deleteDialog(view, kind, item, others) {
	const model = view.model();
	const count = kind === 'stage' ? model.openCount(item.id)
		: model.stages.reduce((n, s) => n + model.list(s.id, item.id).length, 0);
	const target = h('select', { name: 'cardsTo', 'data-input': 'cards-to' },
		others.map((o) => h('option', { value: o.id }, o.name || t('board.unnamedLane'))));
	openDialog({
		title: t(`board.delete.${kind}.title`, { name: item.name || t('board.unnamedLane') }),
		submitLabel: t('board.delete'),
		body: [h('p', t(`board.delete.${kind}.text`, { count })), field(t('board.cardsGoTo'), target)],
		onSubmit: () => api('DELETE', boardPath(view.id, kind === 'stage' ? 'stages' : 'lanes', item.id) + '?cardsTo=' + encodeURIComponent(target.value)),
	});
}

/** A stage's settings (or a new one at the end when `stage` is null). */
export function stageDialog(view, stage) {
	const model = view.model();
	const name = h('input', { name: 'name', maxlength: 100, value: stage?.name ?? '', autocomplete: 'off' });
	const wip = h('input', { name: 'wipLimit', type: 'number', min: 0, max: 10000, value: stage?.wipLimit || '' });
	const done = checkbox(t('board.doneFlag'), { name: 'done', checked: stage?.done ?? false });
	const at = stage ? model.stages.findIndex((s) => s.id === stage.id) : -1;
	const move = (after) => step(() => dialog, () => api('PATCH', boardPath(view.id, 'stages', stage.id), { after }));
	const dialog = openDialog({
		title: stage ? t('board.stageTitle', { name: stage.name }) : t('board.addStage'),
		submitLabel: stage ? t('common.save') : t('board.add'),
		body: [field(t('board.stageName'), name), field(t('board.wipLimit'), wip, t('board.wipHint')), done.el,
			stage && h('div.button-row',
				at > 0 && h('button.button.small', { 'data-action': 'stage-left', onclick: move(model.stages[at - 2]?.id ?? '') }, t('board.moveLeft')),
				at < model.stages.length - 1 && h('button.button.small', { 'data-action': 'stage-right', onclick: move(model.stages[at + 1].id) },
					t('board.moveRight')),
				model.stages.length > 1 && h('button.button.small.danger', { 'data-action': 'stage-delete', onclick: () => {
					dialog.close();
					deleteDialog(view, 'stage', stage, model.stages.filter((s) => s.id !== stage.id));
				} }, t('board.deleteEllipsis')))],
		onSubmit: async () => {
			if (!name.value.trim()) throw t('board.nameRequired');
			const limit = Number(wip.value || 0);
			if (!Number.isInteger(limit) || limit < 0 || limit > 10000) throw t('board.wipInvalid');
			const fields = { name: name.value.trim(), wipLimit: limit, done: done.input.checked };
			await (stage ? api('PATCH', boardPath(view.id, 'stages', stage.id), fields) : api('POST', boardPath(view.id, 'stages'), fields));
		},
	});
	name.focus();
}

/** A swimlane's name, place and deletion (or a new one at the bottom when `lane` is null). */
export function laneDialog(view, lane) {
	const model = view.model();
	const name = h('input', { name: 'name', maxlength: 100, value: lane?.name ?? '', autocomplete: 'off' });
	const at = lane ? model.lanes.findIndex((l) => l.id === lane.id) : -1;
	const move = (after) => step(() => dialog, () => api('PATCH', boardPath(view.id, 'lanes', lane.id), { after }));
	const dialog = openDialog({
		title: lane ? t('board.laneTitle', { name: lane.name || t('board.unnamedLane') }) : t('board.addLane'),
		submitLabel: lane ? t('common.save') : t('board.add'),
		body: [field(t('board.laneName'), name, !lane && model.plainLanes ? t('board.firstLaneHint') : null),
			lane && h('div.button-row',
				at > 0 && h('button.button.small', { 'data-action': 'lane-up', onclick: move(model.lanes[at - 2]?.id ?? '') }, t('board.moveUp')),
				at < model.lanes.length - 1 && h('button.button.small', { 'data-action': 'lane-down', onclick: move(model.lanes[at + 1].id) },
					t('board.moveDown')),
				model.lanes.length > 1 && h('button.button.small.danger', { 'data-action': 'lane-delete', onclick: () => {
					dialog.close();
					deleteDialog(view, 'lane', lane, model.lanes.filter((l) => l.id !== lane.id));
				} }, t('board.deleteEllipsis')))],
		onSubmit: async () => {
			if (!lane && !name.value.trim()) throw t('board.nameRequired');
			await (lane ? api('PATCH', boardPath(view.id, 'lanes', lane.id), { name: name.value.trim() })
				: api('POST', boardPath(view.id, 'lanes'), { name: name.value.trim() }));
		},
	});
	name.focus();
}

/** The board's labels: renamed, recoloured, added, removed — kept ids keep the cards that have them. */
export function labelsDialog(view) {
	let rows = view.model().labels.map((l) => ({ ...l }));
	const list = h('ul.label-rows', { role: 'list' });
	const colourSelect = (row) => h('select', { 'aria-label': t('board.labelColour'), onchange: (e) => { row.colour = e.target.value; draw(); } },
		COLOURS.map((c) => h('option', { value: c, selected: c === row.colour }, t('colour.' + c))));
	function draw() {
		fill(list, rows.map((row) => h('li.label-row',
			h('span', { class: 'swatch c-' + row.colour, 'aria-hidden': 'true' }),
			h('input', { value: row.name, maxlength: 50, 'aria-label': t('board.labelName'), 'data-input': 'label-name',
				oninput: (e) => { row.name = e.target.value; } }),
			colourSelect(row),
			iconButton('trash', t('board.removeLabel', { name: row.name }), () => { rows = rows.filter((r) => r !== row); draw(); }))),
		!rows.length && h('li.hint', t('board.noLabels')));
	}
	draw();
	openDialog({
		title: t('board.labels'),
		submitLabel: t('common.save'),
		body: [list, h('button.button.small', { 'data-action': 'add-label', onclick: () => {
			rows.push({ name: '', colour: COLOURS[rows.length % COLOURS.length] });
			draw();
			list.querySelector('li:last-child input')?.focus();
		} }, t('board.addLabel'))],
		onSubmit: async () => {
			const labels = rows.map((r) => ({ ...(r.id ? { id: r.id } : {}), name: r.name.trim(), colour: r.colour }));
			if (labels.some((l) => !l.name)) throw t('board.labelNameRequired');
			await api('PUT', boardPath(view.id, 'labels'), { labels });
		},
	});
}
