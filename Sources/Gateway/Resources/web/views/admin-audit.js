// Admin: the log's integrity (`audit verify`) and the administrative trail — moderation (kicks,
// bans, mutes, deletions: who and when), accounts and rights, settings, backups and exports.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatNumber, formatShortDateTime } from '../lib/i18n.js';
import { field, errorText, submitting } from './ui.js';

/** Presets of kinds (the server's names, `causerie audit log --kind`). */
export const TRAIL_PRESETS = {
	moderation: ['member.kicked', 'member.banned', 'member.unbanned', 'member.muted', 'member.unmuted', 'member.role',
		'message.deleted', 'room.archived', 'room.deleted', 'room.settings'],
	accounts: ['login', 'login.failed', 'session.ended', 'password.changed', 'user.created', 'user.disabled', 'user.enabled',
		'user.groups', 'invitation.issued', 'invitation.redeemed', 'invitation.revoked'],
	rights: ['group.created', 'group.changed', 'group.deleted', 'settings.changed', 'filters.flood', 'filters.words',
		'filters.server_password', 'filters.addresses', 'broadcast'],
	operations: ['backup', 'export', 'audit.verified'],
	// "Did Bob read the fire-drill notice before the drill?" (docs/bulletin.md); boards' archives and members.
	bulletin: ['bulletin.posted', 'bulletin.edited', 'bulletin.withdrawn', 'bulletin.acknowledged', 'bulletin.reminded',
		'broadcast', 'broadcast.acknowledged', 'broadcast.reminded', 'board.archived', 'board.member'],
	all: [],
};

/** A detail as people read it: a mute's end (µs since the epoch) as a date and time. */
function detail(key, value) {
	return key === 'until' && /^\d{13,}$/.test(value) ? formatShortDateTime(Number(value) / 1000) : value;
}

/** The trail as a table: time, who, what, details (every value as text). */
export function trailTable(entries) {
	if (!entries.length) return h('p.muted', t('admin.trailEmpty'));
	return h('div.table-wrap', h('table.table.trail',
		h('thead', h('tr', ['admin.when', 'admin.who', 'admin.what', 'admin.details'].map((key) => h('th', { scope: 'col' }, t(key))))),
		h('tbody', entries.map((e) => h('tr', { 'data-kind': e.kind, 'data-position': e.position },
			h('td', e.time.replace('T', ' ').slice(0, 19)),
			h('td', e.actorName),
			h('td', h('code', e.kind)),
			h('td', Object.entries(e.details).filter(([, v]) => v !== '').sort(([a], [b]) => a.localeCompare(b))
				.map(([k, v]) => h('span.detail', h('span.muted', k + ' '), detail(k, v)))))))));
}

function verifySection() {
	const result = h('div.verify-result', { role: 'status' });
	const button = h('button.button.primary', { 'data-action': 'verify' }, t('admin.verify'));
	button.addEventListener('click', async () => {
		button.disabled = true;
		fill(result, h('p.muted', t('admin.verifying')));
		try {
			const r = await api('POST', 'admin/audit/verify');
			fill(result, r.intact
				? h('p.form-success', { 'data-intact': 'true' }, t('admin.intact', { count: formatNumber(r.checked), head: r.head }),
					h('div.muted.hash', r.headHash))
				: h('p.form-error', { 'data-intact': 'false' }, t('admin.notIntact', { position: r.problemPosition, problem: r.problem })));
		} catch (e) {
			fill(result, h('p.form-error', errorText(e)));
		} finally {
			button.disabled = false;
		}
	});
	return h('section.admin-section', h('h2', t('admin.integrity')), h('p.hint', t('admin.integrityIntro')), button, result);
}

export async function auditPanel(panel, preset = 'moderation') {
	const out = h('div', { 'data-slot': 'trail' });
	const choice = h('select', { name: 'preset' }, Object.keys(TRAIL_PRESETS).map((key) =>
		h('option', { value: key, selected: key === preset }, t('admin.trailPreset.' + key))));
	const from = h('input', { name: 'from', type: 'date' });
	const to = h('input', { name: 'to', type: 'date' });
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.admin-form.trail-form', field(t('admin.trailShow'), choice), field(t('admin.from'), from), field(t('admin.to'), to),
		h('div', h('button.button', { type: 'submit', 'data-action': 'show-trail' }, t('admin.showTrail')), error));
	const load = async () => {
		const params = new URLSearchParams({ limit: '200', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
		for (const kind of TRAIL_PRESETS[choice.value]) params.append('kind', kind);
		if (from.value) params.set('from', from.value);
		if (to.value) params.set('to', to.value);
		const trail = await api('GET', 'admin/audit/trail?' + params);
		fill(out, trail.truncated ? h('p.hint', t('admin.trailTruncated')) : null, trailTable(trail.entries));
	};
	submitting(form, error, load);
	choice.addEventListener('change', () => load().catch((e) => { error.textContent = errorText(e); }));
	fill(panel, verifySection(), h('section.admin-section', h('h2', t('admin.trail')), h('p.hint', t('admin.trailIntro')), form, out));
	await load().catch((e) => { error.textContent = errorText(e); });
}
