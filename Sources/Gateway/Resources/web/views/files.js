// The file browser: the personal area, the public one, and a conversation's files, with their
// folders; download, rename, move, delete, new folder, upload; the quota used. It redraws when a
// file event arrives (an upload finishing, a colleague's change in the public area).

import { h, fill, coalesce } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatBytes, formatShortDateTime } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { fileUrl, folderZipUrl } from '../lib/files.js';
import { openDialog, iconButton, errorText } from './ui.js';
import { confirmDialog } from './rooms.js';

const query = (params) => Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
const join = (folder, name) => (folder ? folder + '/' + name : name);

export function filesDialog(client, actions, { area = 'personal', path = '' } = {}) {
	const state = client.state;
	let current = { area, folder: path };
	const usage = h('div.files-usage');
	const crumbs = h('nav.files-crumbs', { 'aria-label': t('files.path') });
	const list = h('div.files-list');
	const status = h('p.form-error', { role: 'alert' });
	const upload = h('input.sr-only', { type: 'file', multiple: true, tabindex: '-1', 'data-input': 'area-files',
		'aria-hidden': 'true', onchange: () => {
			const picked = [...upload.files];
			upload.value = '';
			actions.sendTo(current.area, current.folder, { loose: picked });
		} });
	const tab = (key, target) => h('button.files-tab', { role: 'tab', 'data-area': target, 'aria-selected': String(current.area === target),
		onclick: () => go(target, '') }, t(key));
	const tabs = h('div.files-tabs', { role: 'tablist' });
	const tools = h('div.files-tools');
	const { dialog, close } = openDialog({ title: t('files.title'), className: 'files-dialog',
		body: [tabs, usage, crumbs, tools, status, list, upload] });

	const attempt = async (fn) => {
		status.textContent = '';
		try { await fn(); } catch (error) { status.textContent = errorText(error); }
	};

	function drawTabs() {
		fill(tabs, tab('files.personal', 'personal'), tab('files.public', 'public'),
			current.area.startsWith('room:') && h('button.files-tab', { role: 'tab', 'aria-selected': 'true' }, t('files.conversation')));
	}

	function drawCrumbs(folder) {
		const parts = folder ? folder.split('/') : [];
		fill(crumbs, h('button.link', { onclick: () => go(current.area, '') }, t('files.top')),
			parts.map((name, i) => [' / ', i === parts.length - 1 ? h('strong', { dir: 'auto' }, name)
				: h('button.link', { dir: 'auto', onclick: () => go(current.area, parts.slice(0, i + 1).join('/')) }, name)]));
	}

	function writable() {
		if (!state.can('sendFiles')) return false;
		if (current.area === 'public') return state.can('publicFiles') || state.can('administer');
		if (current.area.startsWith('room:')) return state.canWrite(state.rooms.get(current.area.slice(5)));
		return true;
	}

	function drawTools() {
		const zip = h('a.button.small', { 'data-action': 'download-zip', download: '' }, icon('download'), ' ', t('files.zip'));
		folderZipUrl(current.area, current.folder).then((url) => { zip.href = url; }).catch(() => {});
		fill(tools, zip, writable() && [
			h('button.button.small', { 'data-action': 'upload-here', onclick: () => upload.click() }, icon('upload'), ' ', t('files.upload')),
			h('button.button.small', { 'data-action': 'new-folder', onclick: newFolder }, icon('folder'), ' ', t('files.newFolder'))]);
	}

	const load = coalesce(() => attempt(async () => {
		const listing = await api('GET', 'files?' + query({ area: current.area, folder: current.folder }));
		current.folder = listing.folder;
		drawTabs();
		drawCrumbs(listing.folder);
		drawTools();
		const mine = writable();
		const rows = [
			...listing.folders.map((name) => h('li.files-row.files-folder', { 'data-folder': name },
				h('button.files-open', { onclick: () => go(current.area, join(listing.folder, name)) }, icon('folder'),
					h('span.files-name', { dir: 'auto' }, name)),
				mine && h('span.files-actions',
					iconButton('edit', t('files.rename'), () => renameFolder(name), { 'data-action': 'rename-folder' }),
					iconButton('trash', t('files.delete'), () => deleteFolder(name), { 'data-action': 'delete-folder' })))),
			...listing.files.map((file) => fileRow(file, mine || file.uploader === state.me.user)),
		];
		fill(list, rows.length ? h('ul.files-rows', { role: 'list' }, rows) : h('p.side-empty', t('files.empty')));
		const used = await api('GET', 'files/usage');
		fill(usage, h('span', t('files.quota', { used: formatBytes(used.used), quota: formatBytes(used.quota) })),
			h('progress', { max: used.quota, value: Math.min(used.used, used.quota), 'aria-label': t('files.quotaLabel') }));
	}));

	function fileRow(file, mine) {
		const link = h('a.files-name', { dir: 'auto', download: file.name, 'data-action': 'download' }, file.name);
		fileUrl(file.id).then((url) => { link.href = url; }).catch(() => {});
		return h('li.files-row', { 'data-file': file.id }, h('span.files-open', icon('file'), link),
			h('span.files-meta', formatBytes(file.size), ' · ', state.displayName(file.uploader), ' · ', formatShortDateTime(file.uploadedAt)),
			mine && h('span.files-actions',
				iconButton('edit', t('files.rename'), () => renameFile(file), { 'data-action': 'rename-file' }),
				iconButton('folder', t('files.move'), () => moveFile(file), { 'data-action': 'move-file' }),
				iconButton('trash', t('files.delete'), () => confirmDialog(t('files.delete'), t('files.deleteConfirm', { name: file.name }),
					t('files.delete'), () => api('DELETE', 'files/' + encodeURIComponent(file.id))), { 'data-action': 'delete-file' })));
	}

	function go(area, folder) {
		current = { area, folder };
		load();
	}

	/** A name asked inline (a small form in the dialog): resolves with it, or null when cancelled. */
	function ask(label, value = '') {
		return new Promise((resolve) => {
			const input = h('input', { value, 'aria-label': label, 'data-input': 'name', maxlength: 255 });
			const done = (answer) => { form.remove(); resolve(answer); };
			const form = h('form.files-ask', { onsubmit: (e) => { e.preventDefault(); done(input.value.trim() || null); } },
				h('label', label, ' ', input), h('button.button.small.primary', { type: 'submit' }, t('common.save')),
				h('button.button.small', { onclick: () => done(null) }, t('common.cancel')));
			tools.after(form);
			input.focus();
			input.select();
		});
	}

	async function newFolder() {
		const name = await ask(t('files.folderName'));
		if (name) attempt(() => api('POST', 'files/folders', { area: current.area, path: join(current.folder, name) }));
	}

	async function renameFolder(name) {
		const to = await ask(t('files.newName'), name);
		if (to && to !== name) {
			attempt(() => api('PATCH', 'files/folders', { area: current.area, from: join(current.folder, name), to: join(current.folder, to) }));
		}
	}

	function deleteFolder(name) {
		confirmDialog(t('files.delete'), t('files.deleteFolderConfirm', { name }), t('files.delete'),
			() => api('DELETE', 'files/folders?' + query({ area: current.area, path: join(current.folder, name) })));
	}

	async function renameFile(file) {
		const name = await ask(t('files.newName'), file.name);
		if (name && name !== file.name) attempt(() => api('PATCH', 'files/' + encodeURIComponent(file.id), { name }));
	}

	async function moveFile(file) {
		const folder = await ask(t('files.moveTo'), current.folder);
		if (folder !== null && folder !== current.folder) {
			attempt(() => api('PATCH', 'files/' + encodeURIComponent(file.id), { folder: folder.replace(/^\/+|\/+$/g, '') }));
		}
	}

	// Any file event may change what is shown (the dialog is small: listing again is cheap).
	const changed = () => dialog.open && load();
	state.on('files', changed);
	dialog.addEventListener('close', () => state.off('files', changed));
	load();
	return { dialog, close };
}
