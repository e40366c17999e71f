// A new project, and a board's settings for its owners: title, colour, description, deadline,
// members with their roles, archive or restore. A new board's stages are named in the user's
// language (the server's defaults are English), the last one flagged done.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { COLOURS, ROLES } from '../lib/boards.js';
import { openDialog, field, iconButton, toast, errorText, dateTimeInputs } from './ui.js';
import { boardPath } from './board.js';

const DEFAULT_STAGES = ['board.stage.todo', 'board.stage.doing', 'board.stage.review', 'board.stage.done'];

/** Colour swatches as radio buttons (a name each for screen readers). */
export function colourPicker(name, value, { allowNone = false } = {}) {
	const choices = (allowNone ? [''] : []).concat(COLOURS);
	const radios = choices.map((colour) => h('input.sr-only', { type: 'radio', name, value: colour, checked: colour === value }));
	const el = h('div.swatches', { role: 'radiogroup' }, radios.map((radio) => h('label.swatch-choice', { title: t('colour.' + (radio.value || 'none')) },
		radio, h('span', { class: 'swatch ' + (radio.value ? 'c-' + radio.value : 'none'), 'aria-hidden': 'true' }),
		h('span.sr-only', t('colour.' + (radio.value || 'none'))))));
	return { el, value: () => radios.find((r) => r.checked)?.value ?? value };
}

/** Members and roles: a list to change or remove, and a row to add someone. `me` is left out. */
export function memberPicker(state, members, me) {
	let list = members.filter((m) => m.user !== me).map((m) => ({ ...m }));
	const el = h('fieldset.options.member-picker', { 'data-picker': 'members' });
	const roleSelect = (role, onchange, props = {}) => h('select', { onchange, ...props },
		ROLES.map((r) => h('option', { value: r, selected: r === role }, t('boardRole.' + r))));
	const name = (user) => state.displayName(user);
	function draw() {
		const taken = new Set(list.map((m) => m.user).concat(me));
		const people = [...state.users.values()].filter((u) => !u.disabled && !u.bot && !taken.has(u.user))
			.sort((a, b) => name(a.user).localeCompare(name(b.user)));
		const who = h('select', { 'data-input': 'member', 'aria-label': t('boards.addMember') },
			h('option', { value: '' }, t('boards.choosePerson')), people.map((u) => h('option', { value: u.user }, `${name(u.user)} (@${u.username})`)));
		const role = roleSelect('editor', null, { 'data-input': 'member-role', 'aria-label': t('boards.role') });
		fill(el, h('legend', t('boards.members')),
			list.length ? h('ul.member-rows', { role: 'list' }, list.map((m) => h('li.member-row', { 'data-user': m.user },
				h('span.member-name', name(m.user)),
				roleSelect(m.role, (e) => { m.role = e.target.value; }, { 'aria-label': t('boards.roleOf', { name: name(m.user) }) }),
				iconButton('close', t('boards.removeMember', { name: name(m.user) }), () => { list = list.filter((x) => x !== m); draw(); }))))
				: h('p.hint', t('boards.onlyYou')),
			h('div.member-add', who, role, h('button.button.small', { 'data-action': 'add-member', onclick: () => {
				if (!who.value) return;
				list.push({ user: who.value, role: role.value });
				draw();
			} }, t('boards.add'))));
	}
	draw();
	return { el, value: () => list };
}

export function createBoardDialog(client, onCreated) {
	const state = client.state;
	const title = h('input', { name: 'title', maxlength: 200, required: true, autocomplete: 'off' });
	const description = h('textarea', { name: 'description', rows: 3, maxlength: 20000 });
	const colour = colourPicker('colour', 'blue');
	const stageInputs = DEFAULT_STAGES.map((key, i) => h('input', { name: 'stage' + i, value: t(key), maxlength: 100,
		'aria-label': t('boards.stageN', { n: i + 1 }) }));
	const members = memberPicker(state, [], state.me.user);
	openDialog({
		title: t('boards.newTitle'),
		className: 'wide board-form',
		submitLabel: t('boards.create'),
		body: [field(t('boards.name'), title), field(t('boards.colour'), colour.el), field(t('boards.description'), description),
			h('fieldset.options', h('legend', t('boards.stages')), h('p.hint', t('boards.stagesHint')), h('div.stage-inputs', stageInputs)),
			members.el],
		onSubmit: async () => {
			if (!title.value.trim()) throw t('boards.titleRequired');
			const names = stageInputs.map((input) => input.value.trim());
			const stages = names.map((name, i) => ({ name, done: i === names.length - 1 })).filter((s) => s.name);
			if (!stages.length) throw t('boards.stagesRequired');
			// The last stage kept is the done one, even when the last box was left empty.
			stages.forEach((s, i) => { s.done = i === stages.length - 1; });
			const created = await api('POST', 'boards', { title: title.value.trim(), description: description.value.trim(),
				colour: colour.value(), stages, members: members.value() });
			onCreated(created.board);
		},
	});
	title.focus();
}

/** Owners: the board's settings, its members (changes sent on Save), archive or restore. */
export function boardSettingsDialog(client, model) {
	const state = client.state;
	const title = h('input', { name: 'title', maxlength: 200, value: model.title, autocomplete: 'off' });
	const description = h('textarea', { name: 'description', rows: 3, maxlength: 20000 }, model.description);
	const colour = colourPicker('colour', model.colour);
	const deadline = dateTimeInputs(model.deadline, ['deadlineDate', 'deadlineTime']);
	const members = memberPicker(state, model.members, state.me.user);
	const archive = h('button.button.small', { class: model.archived ? '' : 'danger', 'data-action': 'archive-board', onclick: async () => {
		try {
			await api('PATCH', boardPath(model.id), { archived: !model.archived });
			dialog.close();
		} catch (error) {
			dialog.error.textContent = errorText(error);
		}
	} }, t(model.archived ? 'boards.restore' : 'boards.archive'));
	const dialog = openDialog({
		title: t('boards.settingsTitle'),
		className: 'wide board-form',
		submitLabel: t('common.save'),
		body: [field(t('boards.name'), title), field(t('boards.colour'), colour.el), field(t('boards.description'), description),
			h('div.field-pair', field(t('boards.deadline'), deadline.date), field(t('board.time'), deadline.time)),
			members.el, h('div.button-row', archive)],
		onSubmit: async () => {
			if (model.archived) throw t('boards.restoreFirst');
			if (!title.value.trim()) throw t('boards.titleRequired');
			const when = deadline.read();
			await api('PATCH', boardPath(model.id), { title: title.value.trim(), description: description.value.trim(), colour: colour.value(),
				...(when == null ? { clearDeadline: true } : { deadline: when }) });
			// Members: who was added or changed, then who went (the last owner cannot go: the server says so).
			const before = new Map(model.members.filter((m) => m.user !== state.me.user).map((m) => [m.user, m.role]));
			const after = members.value();
			for (const m of after) {
				if (before.get(m.user) !== m.role) await api('PUT', boardPath(model.id, 'members', m.user), { role: m.role });
			}
			for (const user of before.keys()) {
				if (!after.some((m) => m.user === user)) await api('DELETE', boardPath(model.id, 'members', user));
			}
			toast(t('boards.saved'));
		},
	});
	if (model.archived) for (const input of dialog.dialog.querySelectorAll('input, textarea, select')) input.disabled = true;
}
