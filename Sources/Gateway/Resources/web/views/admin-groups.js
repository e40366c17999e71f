// Admin: rights groups as a matrix of rights × groups. A box ticked or cleared is saved at once
// and reaches connected clients at once (their controls appear or go without a reload).

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, errorText, submitting, toast } from './ui.js';

export const PERMISSIONS = ['sendMessages', 'postToRooms', 'directMessages', 'createRooms', 'useEmoticons', 'sendFiles',
	'voice', 'video', 'kanban', 'postBulletin', 'moderate', 'administer', 'publicFiles'];
const BUILT_IN = new Set(['administrators', 'users', 'guests']);

/** One column's saves go one after the other, each with the boxes as they are when it is sent. */
function columnSaver(group, boxes) {
	let queue = Promise.resolve();
	return (box) => {
		queue = queue.then(async () => {
			const permissions = PERMISSIONS.filter((p) => boxes[p].checked);
			try {
				await api('PUT', 'admin/groups/' + group.id, { name: group.name, permissions });
				toast(t('admin.rightSaved', { group: group.name, right: t('perm.' + box.dataset.permission) }));
			} catch (error) {
				box.checked = !box.checked;
				toast(errorText(error), 'error');
			}
		});
	};
}

function matrix(groups) {
	const columns = groups.map((group) => {
		const boxes = Object.fromEntries(PERMISSIONS.map((p) => [p, h('input', { type: 'checkbox', checked: group.permissions.includes(p),
			'data-group': group.id, 'data-permission': p, 'aria-label': t('admin.rightOf', { right: t('perm.' + p), group: group.name }) })]));
		const save = columnSaver(group, boxes);
		for (const box of Object.values(boxes)) box.addEventListener('change', () => save(box));
		return { group, boxes };
	});
	return h('div.table-wrap', h('table.table.matrix', { 'aria-label': t('admin.matrix') },
		h('thead', h('tr', h('th', { scope: 'col' }, t('admin.permissions')),
			columns.map(({ group }) => h('th', { scope: 'col', 'data-group': group.id }, group.name,
				h('div.muted', t('admin.members', { count: group.members })))))),
		h('tbody', PERMISSIONS.map((p) => h('tr', { 'data-permission': p },
			h('th', { scope: 'row' }, t('perm.' + p)),
			columns.map(({ boxes }) => h('td.cell', boxes[p])))))));
}

/** Renaming and deleting a group, and making a new one (its rights are then set in the matrix). */
function groupForm(group, reload) {
	const name = h('input', { name: 'name', value: group?.name ?? '', required: true, autocomplete: 'off', maxlength: 64 });
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.group-row', { 'data-group': group?.id ?? 'new' },
		field(group ? t('admin.groupName') : t('admin.newGroupName'), name),
		h('div.button-row',
			h('button', { type: 'submit', class: 'button' + (group ? '' : ' primary'), 'data-action': group ? 'rename' : 'create' },
				group ? t('admin.rename') : t('admin.createGroup')),
			group && !BUILT_IN.has(group.id) ? [' ', h('button.button.danger', { 'data-action': 'delete', onclick: async () => {
				try { await api('DELETE', 'admin/groups/' + group.id); reload(); } catch (e) { error.textContent = errorText(e); }
			} }, t('admin.deleteGroup'))] : null),
		error);
	submitting(form, error, async () => {
		const body = { name: name.value.trim(), permissions: group?.permissions ?? ['sendMessages', 'postToRooms', 'directMessages'] };
		await api(group ? 'PUT' : 'POST', 'admin/groups' + (group ? '/' + group.id : ''), body);
		toast(t('settings.saved'));
		reload();
	});
	return form;
}

export async function groupsPanel(panel) {
	const groups = await api('GET', 'admin/groups');
	const reload = () => groupsPanel(panel);
	fill(panel,
		h('section.admin-section', h('h2', t('admin.tab.groups')), h('p.hint', t('admin.groupsIntro')), matrix(groups)),
		h('section.admin-section', h('h2', t('admin.groupNames')),
			h('div.group-list', groups.map((g) => groupForm(g, reload)), groupForm(null, reload))));
}
