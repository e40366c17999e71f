// Files without the DOM: the read key that lets an <img> or a link fetch a file (a URL cannot
// carry the session's header), the areas' names, and reading what was dropped — files and whole
// folders (the browser's directory entries) — into a flat list of paths.

import { api } from './api.js';

const REFRESH_MS = 60 * 60 * 1000; // keys last twelve hours; asked again every hour

let readKey = null;
let asked = 0;
let pending = null;

/** The session's read key, asked for once an hour (and again after a new login). */
export async function fileKey() {
	if (readKey && Date.now() - asked < REFRESH_MS && readKey.expires > Date.now() + 60_000) return readKey.key;
	pending ??= api('GET', 'files/key').then((answer) => {
		readKey = answer;
		asked = Date.now();
		return answer.key;
	}).finally(() => { pending = null; });
	return pending;
}

/** Forgets the key (logout): the next session asks for its own. */
export function forgetFileKey() { readKey = null; }

/** The URL of a file (`inline` for an image preview), with the read key; a promise. */
export async function fileUrl(id, { inline = false } = {}) {
	const key = await fileKey();
	return `/api/v1/files/${encodeURIComponent(id)}?key=${encodeURIComponent(key)}${inline ? '&inline=1' : ''}`;
}

/** The URL of a folder (or a whole area, path "") as one ZIP; a promise. */
export async function folderZipUrl(area, path) {
	const key = await fileKey();
	return `/api/v1/files/zip?area=${encodeURIComponent(area)}&path=${encodeURIComponent(path)}&key=${encodeURIComponent(key)}`;
}

/** The area parameter of a conversation (a room or a direct conversation). */
export const roomArea = (room) => 'room:' + room;

/**
 * What a drop or a paste holds, as { files: [{ file, path }], folders: [names], emptyFolders } —
 * one entry per file, with its path inside the dropped folder. A single dropped folder is
 * sent as a shared folder (`folder` is its name); loose files one by one.
 */
export async function readDrop(dataTransfer) {
	const entries = [...(dataTransfer.items || [])].filter((item) => item.kind === 'file')
		.map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
	if (!entries.length) return { loose: [...(dataTransfer.files || [])], folders: [] };
	const loose = [];
	const folders = [];
	for (const entry of entries) {
		if (entry.isFile) loose.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
		else if (entry.isDirectory) folders.push(await readFolder(entry));
	}
	return { loose, folders };
}

/** A dropped folder: its name, its files with their paths inside it, and its empty folders. */
async function readFolder(root) {
	const files = [];
	const emptyFolders = [];
	async function walk(directory, prefix) {
		const reader = directory.createReader();
		let count = 0;
		// readEntries answers in batches (100 in Chromium) until an empty one.
		for (;;) {
			const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
			if (!batch.length) break;
			count += batch.length;
			for (const entry of batch) {
				const path = prefix ? prefix + '/' + entry.name : entry.name;
				if (entry.isFile) files.push({ file: await new Promise((resolve, reject) => entry.file(resolve, reject)), path });
				else if (entry.isDirectory) await walk(entry, path);
			}
		}
		if (!count && prefix) emptyFolders.push(prefix);
	}
	await walk(root, '');
	return { name: root.name, files, emptyFolders };
}

/** Files picked with <input webkitdirectory>: grouped by their top folder, as a drop would. */
export function foldersFromPicker(fileList) {
	const byName = new Map();
	for (const file of fileList) {
		const [top, ...rest] = (file.webkitRelativePath || file.name).split('/');
		if (!byName.has(top)) byName.set(top, { name: top, files: [], emptyFolders: [] });
		byName.get(top).files.push({ file, path: rest.join('/') || file.name });
	}
	return [...byName.values()];
}
