// The WebSocket (docs/protocol.md): hello → welcome → catch-up → live. Reconnects with backoff
// and resumes from the last event position it handed on, so nothing is lost; an event at or
// before that position is dropped, so nothing is applied twice.

import { ApiError } from './api.js';

const PING_EVERY_MS = 25000;
const REPLY_TIMEOUT_MS = 15000;
const MAX_BACKOFF_MS = 8000;
// A session that ended on purpose: reconnecting would only be refused again.
const FINAL_CLOSINGS = new Set(['logged_out', 'session_revoked', 'password_changed', 'account_disabled', 'session_expired']);

export class Connection {
	/** handlers: welcome(data, resumed), event(frame, counted), frame(frame), binary(ArrayBuffer), status(s), ended(reason). */
	constructor({ token, serverPassword, handlers }) {
		Object.assign(this, { token, serverPassword, handlers, status: 'connecting', lastSeen: null, welcomePosition: 0,
			pending: new Map(), sequence: 0, attempts: 0, socket: null, stopped: false });
		this.wake = () => this.status === 'offline' && !this.suspended && this.reconnectNow();
		// Leaving the page (another address in this tab, the back/forward cache): close the socket
		// so that colleagues see us go, and do not reconnect while hidden; come back on return.
		this.hide = () => {
			this.suspended = true;
			clearTimeout(this.retryTimer);
			if (this.socket) this.lost(this.socket);
		};
		this.show = () => {
			if (!this.suspended) return;
			this.suspended = false;
			this.reconnectNow();
		};
	}

	start() {
		this.stopped = false;
		window.addEventListener('online', this.wake);
		document.addEventListener('visibilitychange', this.wake);
		window.addEventListener('pagehide', this.hide);
		window.addEventListener('pageshow', this.show);
		this.open();
	}

	stop() {
		this.stopped = true;
		window.removeEventListener('online', this.wake);
		document.removeEventListener('visibilitychange', this.wake);
		window.removeEventListener('pagehide', this.hide);
		window.removeEventListener('pageshow', this.show);
		clearTimeout(this.retryTimer);
		this.lost(this.socket);
		this.socket?.close();
	}

	open(quiet = false) {
		if (!quiet) this.setStatus(this.attempts ? 'offline' : 'connecting');
		const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws';
		const socket = new WebSocket(url);
		socket.binaryType = 'arraybuffer'; // voice (lib/voice.js)
		this.socket = socket;
		this.greeted = false;
		// JSON leaves undefined fields out: no lastSeen on a first connection, no server password if none.
		socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', id: 'hello', protocol: 1, token: this.token,
			users: true, lastSeen: this.lastSeen ?? undefined, serverPassword: this.serverPassword || undefined }));
		socket.onmessage = (message) => {
			if (socket !== this.socket) return;
			if (typeof message.data !== 'string') return this.greeted && this.handlers.binary?.(message.data);
			let frame;
			try { frame = JSON.parse(message.data); } catch { return; }
			this.receive(frame);
		};
		socket.onclose = () => this.lost(socket);
	}

	receive(frame) {
		if (!this.greeted) return this.greet(frame);
		switch (frame.type) {
			case 'event':
				if (frame.position <= this.lastSeen) return; // already applied: a resume overlap
				this.lastSeen = frame.position;
				this.handlers.event(frame, frame.position <= this.welcomePosition);
				return;
			case 'closing':
				if (FINAL_CLOSINGS.has(frame.reason)) {
					this.stop();
					this.handlers.ended(frame.reason);
				}
				return;
			default:
				if (frame.id && this.pending.has(frame.id)) return this.settle(frame);
				this.handlers.frame(frame);
		}
	}

	greet(frame) {
		if (frame.type === 'welcome') {
			const data = frame.data;
			// A store younger than our position (restored from an older backup): start afresh.
			const resumed = this.lastSeen !== null && data.position >= this.lastSeen;
			if (!resumed) this.lastSeen = data.position;
			this.welcomePosition = data.position;
			this.greeted = true;
			this.attempts = 0;
			// Online first: the welcome handler may already send commands (history, the outbox).
			this.setStatus('online');
			this.handlers.welcome(data, resumed);
			this.schedulePing();
			return;
		}
		if (frame.type === 'error') {
			const error = new ApiError(frame);
			if (error.code === 'unauthorized' || error.reason === 'server_password' || error.code === 'forbidden') {
				this.stop();
				this.handlers.ended(error.reason || error.code, error);
			} else if (error.retryAfter) {
				this.attempts = Math.max(this.attempts, 3);
			}
		}
	}

	/** A fresh welcome, unseen: reopens with lastSeen once no command awaits its reply. */
	resync() {
		if (this.resyncTimer || this.status !== 'online') return;
		const attempt = () => {
			if (this.pending.size) { this.resyncTimer = setTimeout(attempt, 30); return; }
			this.resyncTimer = null;
			if (this.status === 'online' && this.socket) this.lost(this.socket, true);
		};
		this.resyncTimer = setTimeout(attempt, 0);
	}

	/** The socket is gone (closed, failed, or silent): fail what waits, and try again later. */
	lost(socket, quiet = false) {
		if (socket !== this.socket || !socket) return;
		this.socket = null;
		clearTimeout(this.pingTimer);
		for (const [, waiter] of this.pending) {
			clearTimeout(waiter.timer);
			waiter.reject(new ApiError({ code: 'offline', reason: 'offline' }));
		}
		this.pending.clear();
		socket.onclose = socket.onmessage = socket.onopen = null;
		if (socket.readyState <= 1) socket.close();
		if (this.stopped || this.suspended) return;
		if (quiet) return this.open(true);
		this.setStatus('offline');
		const delay = Math.min(MAX_BACKOFF_MS, 400 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
		this.attempts += 1;
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => this.open(), delay);
	}

	reconnectNow() {
		if (this.stopped || this.suspended || this.socket) return;
		clearTimeout(this.retryTimer);
		this.open();
	}

	setStatus(status) {
		if (this.status === status) return;
		this.status = status;
		this.handlers.status(status);
	}

	request(type, fields = {}) {
		if (this.status !== 'online' || !this.socket || !this.greeted) {
			return Promise.reject(new ApiError({ code: 'offline', reason: 'offline' }));
		}
		const id = 'c' + (++this.sequence);
		const socket = this.socket;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				// No reply in time: the link is probably dead even if the browser has not noticed.
				this.pending.delete(id);
				reject(new ApiError({ code: 'offline', reason: 'timeout' }));
				this.lost(socket);
			}, REPLY_TIMEOUT_MS);
			this.pending.set(id, { resolve, reject, timer });
			socket.send(JSON.stringify({ ...fields, type, id }));
		});
	}

	/** A voice packet: sent now if online and the socket keeps up, dropped otherwise (late audio is lost audio). */
	sendBinary(buffer) {
		if (this.status !== 'online' || !this.greeted || !this.socket || this.socket.bufferedAmount > 65536) return;
		this.socket.send(buffer);
	}

	settle(frame) {
		const waiter = this.pending.get(frame.id);
		this.pending.delete(frame.id);
		clearTimeout(waiter.timer);
		if (frame.type === 'error') waiter.reject(new ApiError(frame));
		else waiter.resolve(frame);
	}

	/** Pings keep idle links alive through proxies and reveal dead ones (see request's timeout). */
	schedulePing() {
		clearTimeout(this.pingTimer);
		this.pingTimer = setTimeout(() => {
			this.request('ping').catch(() => {});
			this.schedulePing();
		}, PING_EVERY_MS);
	}
}
