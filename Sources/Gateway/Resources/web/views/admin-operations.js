// Admin: backups and compliance exports — start one, download it, see the past ones (each is an
// event in the log: `backup`, `export`, `audit.verified` in the trail).

import { h, fill } from '../lib/dom.js';
import { api, apiDownload } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { field, errorText, submitting } from './ui.js';
import { TRAIL_PRESETS, trailTable } from './admin-audit.js';

const isoDay = (date) => date.toISOString().slice(0, 10);

function backupSection(refresh) {
	const result = h('div', { role: 'status' });
	const button = h('button.button.primary', { 'data-action': 'backup' }, t('admin.backupNow'));
	button.addEventListener('click', async () => {
		button.disabled = true;
		fill(result, h('p.muted', t('admin.backupRunning')));
		try {
			const { name, headers } = await apiDownload('admin/backup');
			fill(result, h('p.form-success', { 'data-file': name }, t('admin.backupDone', { name }),
				h('div.muted.hash', 'SHA-256 ' + (headers.get('X-Causerie-SHA256') || ''))));
			refresh();
		} catch (e) {
			fill(result, h('p.form-error', errorText(e)));
		} finally {
			button.disabled = false;
		}
	});
	return h('section.admin-section', h('h2', t('admin.backup')), h('p.hint', t('admin.backupIntro')), button, result);
}

function exportSection(rooms, refresh) {
	const today = new Date();
	const from = h('input', { name: 'from', type: 'date', value: isoDay(new Date(today.getTime() - 30 * 86400000)), required: true });
	const to = h('input', { name: 'to', type: 'date', value: isoDay(new Date(today.getTime() + 86400000)), required: true });
	const format = h('select', { name: 'format' }, ['jsonl', 'csv', 'html'].map((f) => h('option', { value: f }, t('admin.format.' + f))));
	const room = h('select', { name: 'room' }, h('option', { value: '' }, t('admin.allRooms')),
		rooms.map((r) => h('option', { value: r.room }, r.visibility === 'direct' ? r.room : r.name)));
	const error = h('p.form-error', { role: 'alert' });
	const done = h('div', { role: 'status' });
	const form = h('form.admin-form', { 'aria-label': t('admin.export') },
		field(t('admin.from'), from), field(t('admin.toExclusive'), to), field(t('admin.formatLabel'), format), field(t('admin.room'), room),
		h('div', h('button.button.primary', { type: 'submit', 'data-action': 'export' }, t('admin.exportNow')), error, done));
	submitting(form, error, async () => {
		const params = new URLSearchParams({ from: from.value, to: to.value, format: format.value,
			timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
		if (room.value) params.append('room', room.value);
		const { name, headers } = await apiDownload('admin/export?' + params);
		fill(done, h('p.form-success', { 'data-file': name }, t('admin.exportDone', { name }),
			h('div.muted.hash', 'SHA-256 ' + (headers.get('X-Causerie-SHA256') || ''))));
		refresh();
	});
	return h('section.admin-section', h('h2', t('admin.export')), h('p.hint', t('admin.exportIntro')), form);
}

export async function operationsPanel(panel) {
	const rooms = await api('GET', 'admin/rooms');
	const past = h('div', { 'data-slot': 'past' });
	const refresh = async () => {
		const params = new URLSearchParams({ limit: '50' });
		for (const kind of TRAIL_PRESETS.operations) params.append('kind', kind);
		try {
			fill(past, trailTable((await api('GET', 'admin/audit/trail?' + params)).entries));
		} catch (e) {
			fill(past, h('p.form-error', errorText(e)));
		}
	};
	fill(panel, backupSection(refresh), exportSection(rooms, refresh),
		h('section.admin-section', h('h2', t('admin.pastOperations')), past));
	await refresh();
}
