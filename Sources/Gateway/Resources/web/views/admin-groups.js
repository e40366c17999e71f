// Admin: rights groups and their permissions. A saved change reaches connected clients at once.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, checkbox, errorText, submitting, toast } from './ui.js';

export const PERMISSIONS = ['sendMessages', 'postToRooms', 'directMessages', 'createRooms', 'useEmoticons', 'sendFiles',
	'voice', 'video', 'kanban', 'postBulletin', 'moderate', 'administer'];
const BUILT_IN = new Set(['administrators', 'users', 'guests']);

export async function groupsPanel(panel) {
	const groups = await api('GET', 'admin/groups');
	const reload = () => groupsPanel(panel);

	function editor(group) {
		const name = h('input', { name: 'name', value: group?.name ?? '', required: true, autocomplete: 'off' });
		const checks = PERMISSIONS.map((p) => ({ p, ...checkbox(t('perm.' + p), { checked: group?.permissions.includes(p),
			'data-permission': p }) }));
		const error = h('p.form-error', { role: 'alert' });
		const form = h('form.group-card', { 'data-group': group?.id ?? 'new' },
			h('div.group-head', field(t('admin.groupName'), name),
				group ? h('p.muted', t('admin.members', { count: group.members })) : null),
			h('fieldset.options', h('legend', t('admin.permissions')),
				h('div.perm-grid', checks.map((c) => c.el))),
			h('div.button-row',
				h('button', { type: 'submit', class: 'button primary', 'data-action': 'save' }, group ? t('common.save') : t('admin.createGroup')),
				group && !BUILT_IN.has(group.id) ? [' ', h('button.button.danger', { onclick: async () => {
					try { await api('DELETE', 'admin/groups/' + group.id); reload(); } catch (e) { error.textContent = errorText(e); }
				} }, t('admin.deleteGroup'))] : null,
				error));
		submitting(form, error, async () => {
			const body = { name: name.value.trim(), permissions: checks.filter((c) => c.input.checked).map((c) => c.p) };
			await api(group ? 'PUT' : 'POST', 'admin/groups' + (group ? '/' + group.id : ''), body);
			toast(t('settings.saved'));
			reload();
		});
		return form;
	}

	fill(panel,
		h('p.hint', t('admin.groupsIntro')),
		groups.map((g) => h('section.admin-section', editor(g))),
		h('section.admin-section', h('h2', t('admin.createGroup')), editor(null)));
}
