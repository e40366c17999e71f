// Resumable uploads over tus 1.0 (docs/files.md). Each file is created with a POST, then sent in
// PATCHes from the offset the server holds; when the connection drops, a HEAD says where it
// stopped and the upload goes on from there. A reload loses the File object but not the upload:
// its URL is kept in localStorage under the file's name, size, date and target, so choosing the
// same file again continues it. A folder is one upload per file (`part`), a few at once, then one
// shared-folder request naming them all: a single event, a single message in the conversation.
// A small file goes whole in its POST (tus creation-with-upload): one request, not two.

import { api, getToken, ApiError } from './api.js';

const RESUME_KEY = 'causerie.uploads';
const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];
const KEEP_DAYS = 1; // the server removes unfinished uploads a day after their last byte

/** Bytes per PATCH: small enough for fine progress and cheap retries, big enough for speed. */
const chunkSize = () => Number(localStorage.getItem('causerie.uploadChunk')) || 8 << 20;
/** Files up to this size are sent in the request that creates their upload. */
const WHOLE_IN_POST = 256 << 10;
/** A folder's files in flight at once: the server groups their syncs; the browser keeps 6 connections. */
const FOLDER_PARALLEL = 4;
class Cancelled extends Error {}

const encode = (text) => {
	let binary = '';
	for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
	return btoa(binary);
};

function saved() {
	try {
		const all = JSON.parse(localStorage.getItem(RESUME_KEY) || '{}');
		const fresh = Date.now() - KEEP_DAYS * 86_400_000;
		for (const key of Object.keys(all)) if (!(all[key].at > fresh)) delete all[key];
		return all;
	} catch {
		return {};
	}
}

function remember(fingerprint, record) {
	const all = saved();
	if (record) all[fingerprint] = { ...record, at: Date.now() };
	else delete all[fingerprint];
	localStorage.setItem(RESUME_KEY, JSON.stringify(all));
}

/** A transfer as the views show it: one file, or a folder's files together. */
export class Transfer {
	constructor({ label, area, folder, total, kind }) {
		Object.assign(this, { label, area, folder, total, kind, sent: 0, state: 'sending', error: null, resumedAt: null });
		this.id = Math.random().toString(36).slice(2);
		this.samples = [[performance.now(), 0]];
		this.xhrs = new Set();
		this.cancelled = false;
	}

	/** Bytes per second over the last few seconds (0 until there is a measure). */
	get speed() {
		const [t0, b0] = this.samples[0];
		const [t1, b1] = this.samples[this.samples.length - 1];
		return t1 - t0 > 250 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
	}

	/** Seconds left at the current speed, or null when unknown. */
	get secondsLeft() {
		const speed = this.speed;
		return speed > 0 ? Math.max(0, (this.total - this.sent) / speed) : null;
	}

	progress(sent) {
		this.sent = Math.min(this.total, sent);
		const now = performance.now();
		this.samples.push([now, this.sent]);
		while (this.samples.length > 2 && now - this.samples[0][0] > 4000) this.samples.shift();
	}
}

export class Uploads {
	constructor(onChange) {
		this.transfers = [];
		this.onChange = onChange;
	}

	changed() { this.onChange?.(); }

	/** Uploads left unfinished here (a reload, a closed tab): what choosing the file again resumes. */
	unfinished() {
		return Object.entries(saved()).filter(([, r]) => !r.part).map(([fingerprint, r]) => ({ fingerprint, ...r }));
	}

	/** Drops an unfinished upload: the server forgets its bytes. */
	async discard(fingerprint) {
		const record = saved()[fingerprint];
		remember(fingerprint, null);
		this.changed();
		if (record) await this.request('DELETE', record.url).catch(() => {});
	}

	/** Sends one file to an area (and folder); resolves with the new file's id. */
	sendFile(file, { area, folder = '' }) {
		const transfer = new Transfer({ label: file.name, area, folder, total: file.size, kind: 'file' });
		return this.run(transfer, async () => {
			const done = await this.upload(transfer, file, { filename: file.name, area, folder }, 0, (sent) => transfer.progress(sent));
			return done.file;
		});
	}

	/** Sends a folder ({ name, files: [{ file, path }], emptyFolders }) as one shared folder. */
	sendFolder(tree, { area, folder = '' }) {
		const total = tree.files.reduce((sum, { file }) => sum + file.size, 0);
		const transfer = new Transfer({ label: tree.name, area, folder, total, kind: 'folder' });
		transfer.count = tree.files.length;
		return this.run(transfer, async () => {
			const parts = new Array(tree.files.length);
			const sentBy = new Array(tree.files.length).fill(0);
			let sent = 0;
			let next = 0;
			let before = 0;
			const starts = tree.files.map(({ file }) => { const at = before; before += file.size; return at; });
			const send = async (index) => {
				const { file, path } = tree.files[index];
				const done = await this.upload(transfer, file, { filename: path, area, part: '1' }, starts[index], (bytes) => {
					sent += bytes - sentBy[index];
					sentBy[index] = bytes;
					transfer.progress(sent);
				});
				parts[index] = { upload: done.upload, path };
			};
			// A few workers take the files in order; progress is the sum of every file's bytes.
			// One file failing stops the others (the transfer has failed; retrying resumes it).
			let failure = null;
			const worker = async () => {
				while (next < tree.files.length && !transfer.cancelled && !failure) {
					try {
						await send(next++);
					} catch (error) {
						failure ??= error;
					}
				}
			};
			await Promise.all(Array.from({ length: Math.min(FOLDER_PARALLEL, tree.files.length) }, worker));
			if (transfer.cancelled) throw new Cancelled();
			if (failure) throw failure;
			let answer;
			for (let round = 0; ; round++) {
				try {
					answer = await api('POST', 'files/shared-folders', { area, folder, name: tree.name, uploads: parts,
						emptyFolders: tree.emptyFolders });
					break;
				} catch (error) {
					if (error.reason !== 'upload_incomplete' || round >= 2) throw error;
					// The server restarted before the folder was stored and lost the end of some
					// files: each file asks where its upload stands and sends what is missing.
					for (const [index, part] of parts.entries()) {
						const { file, path } = tree.files[index];
						remember(this.fingerprint(file, { filename: path, area, part: '1' }), {
							url: `/api/v1/uploads/${part.upload}`, name: path, size: file.size, area, folder: '', offset: 0, part: true });
						await send(index);
					}
				}
			}
			for (const { file, path } of tree.files) remember(this.fingerprint(file, { filename: path, area, part: '1' }), null);
			return answer;
		});
	}

	async run(transfer, work) {
		this.transfers.push(transfer);
		this.changed();
		try {
			const result = await work();
			transfer.state = 'done';
			transfer.progress(transfer.total);
			return result;
		} catch (error) {
			transfer.state = error instanceof Cancelled || transfer.cancelled ? 'cancelled' : 'failed';
			transfer.error = transfer.state === 'failed' ? error : null;
			if (transfer.state === 'failed') throw error;
			return null;
		} finally {
			this.changed();
			// Finished rows stay a moment (done, cancelled); failures until dismissed.
			if (transfer.state !== 'failed') setTimeout(() => this.dismiss(transfer), 2500);
		}
	}

	dismiss(transfer) {
		this.transfers = this.transfers.filter((t) => t !== transfer);
		this.changed();
	}

	/** Stops a transfer: the request in flight is aborted and the server forgets the upload. */
	cancel(transfer) {
		transfer.cancelled = true;
		for (const xhr of transfer.xhrs) xhr.abort();
		for (const url of transfer.urls || []) this.request('DELETE', url).catch(() => {});
		for (const fingerprint of transfer.fingerprints || []) remember(fingerprint, null);
		this.changed();
	}

	fingerprint(file, meta) {
		return [meta.area, meta.folder || '', meta.filename, file.size, file.lastModified].join('|');
	}

	/**
	 * One file's upload, resumed if this browser started it before. `before` is where this file
	 * starts in the transfer (after a folder's earlier files); `report` is told this file's bytes
	 * sent so far. Resolves with { upload, file }.
	 */
	async upload(transfer, file, meta, before, report) {
		const fingerprint = this.fingerprint(file, meta);
		(transfer.fingerprints ??= []).push(fingerprint);
		let url = saved()[fingerprint]?.url;
		let offset = 0;
		let created = null;
		if (url) {
			const head = await this.request('HEAD', url).catch(() => null);
			if (head?.status === 200) {
				offset = Number(head.getResponseHeader('Upload-Offset'));
				if (offset > 0) transfer.resumedAt ??= before + offset;
				created = head;
			} else {
				url = null;
			}
		}
		if (!url) {
			const fields = Object.entries(meta).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k} ${encode(String(v))}`);
			const whole = file.size > 0 && file.size <= WHOLE_IN_POST;
			const headers = { 'Upload-Length': String(file.size), 'Upload-Metadata': fields.join(',') };
			if (whole) headers['Content-Type'] = 'application/offset+octet-stream';
			// A small file goes whole in this request: should the network drop, it is sent again.
			for (let attempt = 0; ; attempt++) {
				try {
					created = await this.request('POST', 'uploads', whole ? file : null, headers, transfer, whole ? report : null);
					break;
				} catch (error) {
					if (error instanceof Cancelled || transfer.cancelled) throw new Cancelled();
					if (attempt >= RETRY_MS.length) throw error;
					transfer.state = 'retrying';
					this.changed();
					await new Promise((resolve) => setTimeout(resolve, RETRY_MS[attempt]));
				}
			}
			if (created.status !== 201) throw this.failure(created);
			url = created.getResponseHeader('Location');
			if (whole) offset = Number(created.getResponseHeader('Upload-Offset')) || 0;
		}
		(transfer.urls ??= []).push(url);
		// Kept for a resume after a reload (not needed when the POST carried the whole file).
		if (offset < file.size) remember(fingerprint, { url, name: meta.filename, size: file.size, area: meta.area, folder: meta.folder || '', offset,
			part: Boolean(meta.part) });
		report(offset);
		let last = created;
		let attempt = 0;
		while (offset < file.size) {
			if (transfer.cancelled) throw new Cancelled();
			const end = Math.min(file.size, offset + chunkSize());
			let answer;
			try {
				answer = await this.request('PATCH', url, file.slice(offset, end), {
					'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
				transfer, (loaded) => report(offset + loaded));
			} catch (error) {
				if (error instanceof Cancelled || transfer.cancelled) throw new Cancelled();
				// The network dropped: wait, ask the server where it is, go on from there.
				transfer.state = 'retrying';
				this.changed();
				await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]));
				const head = await this.request('HEAD', url).catch(() => null);
				if (head?.status === 200) offset = Number(head.getResponseHeader('Upload-Offset'));
				else if (head && head.status !== 0) throw this.failure(head);
				continue;
			}
			// 409: not where we thought; 423: a request cut off a moment ago (a reload, a dropped
			// connection) still holds the upload on the server. Either way, ask where it is and go on.
			if (answer.status === 409 || answer.status === 423) {
				if (answer.status === 423) await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]));
				const head = await this.request('HEAD', url);
				if (head.status !== 200) throw this.failure(head);
				offset = Number(head.getResponseHeader('Upload-Offset'));
				continue;
			}
			if (answer.status !== 204) throw this.failure(answer);
			attempt = 0;
			transfer.state = 'sending';
			offset = Number(answer.getResponseHeader('Upload-Offset'));
			remember(fingerprint, { ...saved()[fingerprint], offset });
			report(offset);
			this.changed();
			last = answer;
		}
		if (!meta.part) remember(fingerprint, null);
		return { upload: url.split('/').pop(), file: last?.getResponseHeader('X-Causerie-File') };
	}

	/** The error a refused request carries (the server's code and reason). */
	failure(xhr) {
		let body = null;
		try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
		return new ApiError(body || { code: 'unavailable', reason: 'http_' + xhr.status }, xhr.status);
	}

	/** One request by XMLHttpRequest (fetch has no upload progress); rejects only on a network error. */
	request(method, path, body = null, headers = {}, transfer = null, onProgress = null) {
		return new Promise((resolve, reject) => {
			const xhr = new XMLHttpRequest();
			xhr.open(method, path.startsWith('/') ? path : '/api/v1/' + path);
			xhr.setRequestHeader('Tus-Resumable', '1.0.0');
			const token = getToken();
			if (token) xhr.setRequestHeader('Authorization', 'Bearer ' + token);
			for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
			if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded);
			const settled = () => transfer?.xhrs.delete(xhr);
			xhr.onload = () => { settled(); resolve(xhr); };
			xhr.onerror = () => { settled(); reject(new ApiError({ code: 'offline', reason: 'offline' })); };
			xhr.onabort = () => { settled(); reject(new Cancelled()); };
			transfer?.xhrs.add(xhr);
			xhr.send(body);
		});
	}
}
