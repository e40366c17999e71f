// Writing a notice (administrators and the postBulletin right): title, text, attachments (sent to
// the author's personal area with the resumable uploads, then named by id), who it is for
// (everyone, rights groups — administrators, who can list them — or people), pinned, an expiry
// date and time, must read. Editing one changes its title, text, pin and expiry only.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatBytes } from '../lib/i18n.js';
import { openDialog, field, checkbox, iconButton, dateTimeInputs } from './ui.js';
import { peoplePicker } from './admin-broadcast.js';

export async function composeDialog(client, actions, notice) {
	const title = h('input', { name: 'title', maxlength: 200, value: notice?.title ?? '', autocomplete: 'off' });
	const text = h('textarea', { name: 'body', rows: 6, maxlength: 20000 }, notice?.body ?? '');
	const pinned = checkbox(t('bulletin.pin'), { name: 'pinned', checked: notice?.pinned ?? false });
	const expiry = dateTimeInputs(notice?.expiresAt ?? null, ['expiryDate', 'expiryTime']);
	const fields = [field(t('bulletin.noticeTitle'), title), field(t('bulletin.text'), text, t('bulletin.textHint')), pinned.el,
		h('div.field-pair', field(t('bulletin.expiry'), expiry.date, t('bulletin.expiryHint')), field(t('board.time'), expiry.time))];
	let extra = null;
	if (!notice) extra = await newNoticeFields(client, actions);
	const { dialog } = openDialog({
		title: notice ? t('bulletin.editTitle') : t('bulletin.newTitle'),
		className: 'wide notice-form',
		submitLabel: notice ? t('common.save') : t('bulletin.post'),
		body: [fields, extra?.el],
		onSubmit: async () => {
			if (!title.value.trim()) throw t('bulletin.titleRequired');
			const expiresAt = expiry.read();
			if (expiresAt != null && expiresAt <= Date.now()) throw t('bulletin.expiryPast');
			const common = { title: title.value.trim(), body: text.value.trim(), pinned: pinned.input.checked };
			if (notice) {
				await api('PATCH', `bulletin/${encodeURIComponent(notice.id)}`, { ...common, ...(expiresAt == null ? { clearExpiry: true } : { expiresAt }) });
			} else {
				await api('POST', 'bulletin', { ...common, ...(await extra.value()), ...(expiresAt == null ? {} : { expiresAt }) });
			}
			client.bulletin.refresh();
		},
	});
	dialog.querySelector('[name="title"]').focus();
}

/** Attachments, audience and must-read: a new notice only. */
async function newNoticeFields(client, actions) {
	const state = client.state;
	const files = []; // { file, done: promise of the id }
	const fileList = h('ul.notice-uploads', { role: 'list' });
	const picker = h('input.sr-only', { type: 'file', multiple: true, tabindex: '-1', 'aria-hidden': 'true', 'data-input': 'notice-files' });
	const drawFiles = () => fill(fileList, files.map((entry) => h('li', h('span', { dir: 'auto' }, entry.file.name), ' ',
		h('span.muted', formatBytes(entry.file.size)),
		iconButton('close', t('bulletin.removeFile', { name: entry.file.name }), () => { files.splice(files.indexOf(entry), 1); drawFiles(); }))));
	picker.addEventListener('change', () => {
		for (const file of picker.files) files.push({ file, done: actions.uploads.sendFile(file, { area: 'personal', folder: '' }) });
		picker.value = '';
		drawFiles();
	});
	const mustRead = checkbox(t('bulletin.mustReadBox'), { name: 'mustRead' });
	const admin = state.can('administer');
	const groups = admin ? await api('GET', 'admin/groups').catch(() => []) : [];
	const groupBoxes = groups.map((g) => ({ id: g.id, ...checkbox(g.name, { 'data-group': g.id }) }));
	const people = peoplePicker([...state.users.values()].filter((u) => !u.disabled && !u.bot && u.user !== state.me.user)
		.sort((a, b) => state.displayName(a.user).localeCompare(state.displayName(b.user))));
	const kinds = ['everyone', ...(admin ? ['groups'] : []), 'users'];
	const radios = kinds.map((value) => h('input', { type: 'radio', name: 'audience', value, checked: value === 'everyone', onchange: show }));
	const groupPicker = h('fieldset.options', { 'data-audience': 'groups' }, h('legend', t('admin.audience.groups')), groupBoxes.map((b) => b.el));
	function show() {
		const audience = radios.find((r) => r.checked).value;
		groupPicker.hidden = audience !== 'groups';
		people.el.hidden = audience !== 'users';
	}
	show();
	const el = [
		h('div.field', h('span.field-label', t('bulletin.attachments')), fileList,
			h('button.button.small', { 'data-action': 'notice-attach', onclick: () => picker.click() }, t('bulletin.attach')), picker),
		h('fieldset.options', h('legend', t('bulletin.audience')), radios.map((radio) => h('label.check', radio, h('span', t('admin.audience.' + radio.value))))),
		groupPicker, people.el, mustRead.el, h('p.hint', t('bulletin.mustReadHint'))];
	return {
		el,
		async value() {
			const audience = radios.find((r) => r.checked).value;
			const who = audience === 'groups' ? { everyone: false, groups: groupBoxes.filter((b) => b.input.checked).map((b) => b.id) }
				: audience === 'users' ? { everyone: false, users: people.chosen() } : { everyone: true };
			if (audience === 'groups' && !who.groups.length) throw t('admin.broadcastNoGroup');
			if (audience === 'users' && !who.users.length) throw t('admin.broadcastNoUser');
			// Files still on their way: the notice waits for them (a failed one is left out, and said).
			const ids = [];
			for (const entry of files) {
				const id = await entry.done.catch(() => null);
				if (!id) throw t('bulletin.uploadFailed', { name: entry.file.name });
				ids.push(id);
			}
			return { ...who, attachments: ids, mustRead: mustRead.input.checked };
		},
	};
}
