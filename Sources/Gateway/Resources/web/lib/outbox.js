// Messages not yet acknowledged, kept in localStorage: what was typed offline (or before a
// reload) is sent when the link is back. The server posts a clientId once: resending is safe.

import { randomId } from './dom.js';

// Refusals that waiting will not cure: the message is marked failed and the user decides.
const RETRYABLE = new Set(['offline', 'unavailable', 'rateLimited']);

export class Outbox {
	constructor(userId, onChange) {
		this.key = 'causerie.outbox.' + userId;
		this.onChange = onChange;
		this.flushing = false;
		this.entries = this.load();
	}

	load() {
		try { return JSON.parse(localStorage.getItem(this.key)) || []; } catch { return []; }
	}

	save() {
		if (this.entries.length) localStorage.setItem(this.key, JSON.stringify(this.entries));
		else localStorage.removeItem(this.key);
		this.onChange();
	}

	/** Queues a message for a room; returns the entry (shown as pending until the echo arrives). */
	add(room, text, replyTo) {
		const entry = { clientId: randomId('w'), room, text, replyTo: replyTo || undefined, time: Date.now() };
		this.entries.push(entry);
		this.save();
		return entry;
	}

	forRoom(room) { return this.entries.filter((e) => e.room === room); }

	remove(clientId) {
		this.entries = this.entries.filter((e) => e.clientId !== clientId);
		this.save();
	}

	retry(clientId) {
		const entry = this.entries.find((e) => e.clientId === clientId);
		if (entry) { delete entry.failed; this.save(); }
	}

	acknowledge(clientId) {
		if (this.entries.some((e) => e.clientId === clientId)) this.remove(clientId);
	}

	/** Sends what waits, in order, one at a time; stops at the first error that waiting may cure. */
	async flush(connection) {
		if (this.flushing) return;
		this.flushing = true;
		try {
			for (;;) {
				const entry = this.entries.find((e) => !e.failed && !e.sent);
				if (!entry || connection.status !== 'online') return;
				try {
					const reply = await connection.request('post', {
						room: entry.room, clientId: entry.clientId, text: entry.text,
						...(entry.replyTo ? { replyTo: entry.replyTo } : {}),
					});
					// The echo (message.posted with our clientId) may already be here, or still on its way:
					// keep showing the entry as pending until it arrives, so nothing blinks.
					if (reply.position <= connection.lastSeen) this.remove(entry.clientId);
					else if (this.entries.includes(entry)) { entry.sent = reply.position; this.save(); }
				} catch (error) {
					if (RETRYABLE.has(error.code)) {
						if (error.code === 'rateLimited') setTimeout(() => this.flush(connection), (error.retryAfter || 2) * 1000);
						return;
					}
					entry.failed = { reason: error.reason, message: error.message };
					this.save();
				}
			}
		} finally {
			this.flushing = false;
		}
	}

	/** After a reconnect, entries sent but never echoed are sent again (same clientId: no double). */
	resetSent() {
		for (const entry of this.entries) delete entry.sent;
	}
}
