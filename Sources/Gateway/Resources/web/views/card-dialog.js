// A card opened: its title, description, assignees, deadline (date and time), priority, labels,
// checklist, attachments and cover, saved together (only what changed is sent); its stage chosen
// from a list (a move, for keyboard users too); watch, archive, delete; and its comments and
// activity. Read-only for viewers, on an archived board and on the board as it was. Live: a
// comment arriving is added; a change by someone else redraws the fields unless some are edited.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { PRIORITIES, COLOURS } from '../lib/boards.js';
import { openDialog, field, toast, errorText, dateTimeInputs } from './ui.js';
import { confirmDialog } from './rooms.js';
import { boardPath, confirmOverLimit } from './board.js';
import { choiceList, checklistEditor, attachmentsEditor } from './card-fields.js';
import { cardTalk } from './card-comments.js';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export async function cardDialog(view, cardId) {
	const state = view.state;
	const model = view.model();
	const me = state.me.user;
	const path = (...parts) => boardPath(view.id, 'cards', cardId, ...parts);
	let detail;
	try {
		detail = model.asOf != null ? { ...model.cards.get(cardId), commentList: [] } : await api('GET', path());
	} catch (error) {
		return toast(errorText(error), 'error');
	}
	let card = model.cards.get(cardId) || detail;
	const canEdit = model.can('editor');
	const canComment = model.can('commenter');
	const canTick = canEdit || (canComment && card.assignees.includes(me));
	const body = h('div.card-detail');
	const side = h('div.card-side');
	const main = h('div.card-main');
	let dirty = false;
	let form = null;

	const { dialog, close, error } = openDialog({
		title: card.title,
		className: 'wide card-dialog',
		submitLabel: canEdit ? t('common.save') : null,
		body: [body],
		onSubmit: save,
	});
	const titleEl = dialog.querySelector('.dialog-head h2');

	function build() {
		const members = model.members.map((m) => ({ id: m.user, name: view.name(m.user) })).sort((a, b) => a.name.localeCompare(b.name));
		const deadline = dateTimeInputs(card.deadline, ['deadlineDate', 'deadlineTime']);
		const disabled = !canEdit;
		form = {
			title: h('input', { name: 'title', value: card.title, maxlength: 500, disabled, 'aria-label': t('card.title') }),
			description: h('textarea', { name: 'description', rows: 5, maxlength: 20000, disabled, placeholder: t('card.descriptionHint') }, card.description),
			assignees: choiceList(t('card.assignees'), members, card.assignees, { disabled, key: 'assignee' }),
			labels: choiceList(t('card.labels'), model.labels.map((l) => ({ id: l.id, name: l.name, swatch: l.colour })), card.labels,
				{ disabled, key: 'label' }),
			deadline,
			priority: h('select', { name: 'priority', disabled }, PRIORITIES.map((p) => h('option', { value: p, selected: p === card.priority }, t('priority.' + p)))),
			cover: h('select', { name: 'cover', disabled }, ['', ...COLOURS].map((c) => h('option', { value: c, selected: c === card.cover }, t('colour.' + (c || 'none'))))),
			checklist: checklistEditor(card.checklist, { canEdit, canTick, onTick: (list) => patch({ checklist: list }) }),
			attachments: attachmentsEditor(detail.attachments || card.attachments, { canEdit, boardId: view.id, uploads: view.uploads(),
				save: (list) => patch({ attachments: list }) }),
		};
		for (const input of [form.title, form.description, form.priority, form.cover, deadline.date, deadline.time]) input.addEventListener('input', () => { dirty = true; });
		for (const list of [form.assignees.el, form.labels.el]) list.addEventListener('change', () => { dirty = true; });
		const stage = h('select', { name: 'stage', disabled, 'data-input': 'card-stage', onchange: () => moveTo(stage.value) },
			model.stages.map((s) => h('option', { value: s.id, selected: s.id === card.stage }, s.name)));
		const watching = card.watchers.includes(me);
		fill(main, field(t('card.title'), form.title), field(t('card.description'), form.description), form.checklist.el, form.attachments.el);
		fill(side,
			field(t('card.stage'), stage, !model.plainLanes ? t('card.inLane', { lane: model.lane(card.lane)?.name || t('board.unnamedLane') }) : null),
			form.assignees.el,
			h('div.field-pair', field(t('card.deadline'), deadline.date), field(t('board.time'), deadline.time)),
			field(t('card.priority'), form.priority), form.labels.el, field(t('card.cover'), form.cover),
			model.asOf == null && h('div.card-actions',
				h('button.button.small', { 'data-action': 'watch', 'aria-pressed': String(watching), onclick: () => watch(!watching) },
					icon('eye'), t(watching ? 'card.unwatch' : 'card.watch')),
				canEdit && h('button.button.small', { 'data-action': 'archive-card', onclick: archive }, icon('archive'), t(card.archived ? 'card.restore' : 'card.archive')),
				canEdit && h('button.button.small.danger', { 'data-action': 'delete-card', onclick: remove }, icon('trash'), t('card.delete'))));
	}

	const talk = cardTalk(view, card, detail.commentList || [], { canComment: canComment && model.asOf == null });
	build();
	fill(body, h('div.card-columns', main, side), talk.el);

	/** Only the fields that differ from the card are sent. */
	async function save() {
		if (!form.title.value.trim()) throw t('card.titleRequired');
		const fields = {};
		const put = (key, value) => { if (!same(value, card[key])) fields[key] = value; };
		put('title', form.title.value.trim());
		put('description', form.description.value);
		put('assignees', form.assignees.value());
		put('labels', form.labels.value());
		put('priority', form.priority.value);
		put('cover', form.cover.value);
		put('checklist', form.checklist.value());
		// To the minute, as the inputs show it: a deadline set to the second elsewhere is left alone.
		const deadline = form.deadline.read();
		const minute = (ms) => (ms == null ? null : Math.floor(ms / 60000));
		if (minute(deadline) !== minute(card.deadline)) Object.assign(fields, deadline == null ? { clearDeadline: true } : { deadline });
		if (Object.keys(fields).length) await api('PATCH', path(), fields);
		dirty = false;
	}

	async function patch(fields) {
		try {
			await api('PATCH', path(), fields);
		} catch (failure) {
			error.textContent = errorText(failure);
			throw failure;
		}
	}

	async function moveTo(stage) {
		const target = { stage, lane: card.lane, position: 'top' };
		try {
			await api('POST', path('move'), target);
		} catch (failure) {
			if (failure.reason === 'wip_limit' && await confirmOverLimit(model.stage(stage))) {
				return api('POST', path('move'), { ...target, overLimit: true }).catch((e) => { error.textContent = errorText(e); });
			}
			if (failure.reason !== 'wip_limit') error.textContent = errorText(failure);
			build();
		}
	}

	function watch(watching) {
		api('PUT', path('watch'), { watching }).catch((failure) => { error.textContent = errorText(failure); });
	}

	function archive() {
		api('PATCH', path(), { archived: !card.archived }).then(() => close(), (failure) => { error.textContent = errorText(failure); });
	}

	function remove() {
		confirmDialog(t('card.delete'), t('card.deleteConfirm', { title: card.title }), t('card.delete'), async () => {
			await api('DELETE', path());
			close();
		});
	}

	// Live: this card's comments and changes (the model has folded them already).
	const onEvent = ({ event }) => {
		if (!event || event.board !== view.id || event.card !== cardId || model.asOf != null) return;
		if (event.kind === 'card.deleted') { toast(t('card.deletedByOther')); close(); return; }
		if (event.kind === 'card.commented') {
			talk.add({ id: event.comment, author: event.actor, time: event.time, text: event.text, mentions: event.mentions });
		}
		card = view.model().cards.get(cardId) || card;
		titleEl.textContent = card.title;
		// Live attachments name files by id only: the card is asked again for their names and sizes.
		if (event.kind === 'card.changed' && event.attachments) {
			api('GET', path()).then((fresh) => { detail = fresh; form.attachments.set(fresh.attachments); }).catch(() => {});
		}
		if (event.kind === 'card.changed' && event.checklist && !dirty) form.checklist.set(card.checklist);
		if (!dirty && ['card.changed', 'card.moved', 'card.watched', 'card.archived'].includes(event.kind)) build();
		talk.refreshActivity();
	};
	state.on('board', onEvent);
	dialog.addEventListener('close', () => state.off('board', onEvent));
	if (!canEdit) form.title.closest('.field')?.classList.add('read-only');
	return { dialog };
}
