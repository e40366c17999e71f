// The chat session without the DOM: one State, one Connection, one Outbox, and the actions the
// views call (open a room, page history, post, edit, read…).

import { Connection } from './connection.js';
import { Outbox } from './outbox.js';
import { State } from './state.js';
import { Timeline } from './timeline.js';

const PAGE = 50;
const TYPING_EVERY_MS = 3000;

export class ChatClient {
	constructor({ token, serverPassword, onEnded }) {
		this.state = new State();
		this.outbox = null;
		this.lastTyping = 0;
		this.connection = new Connection({
			token, serverPassword,
			handlers: {
				welcome: (data, resumed) => this.welcome(data, resumed),
				event: (frame, counted) => this.state.applyEvent(frame, counted),
				frame: (frame) => this.frame(frame),
				status: (status) => { this.state.status = status; this.state.emit('status', status); },
				ended: (reason, error) => onEnded(reason, error),
			},
		});
		this.state.on('message', ({ event }) => {
			if (event.author === this.state.me.user && event.clientId) this.outbox?.acknowledge(event.clientId);
		});
		// A room we did not know (joined, added by an operator): a resume gets it in a welcome with
		// exact counts; a summary over HTTP would race with the live events.
		this.state.on('joined', () => this.connection.resync());
	}

	start() { this.connection.start(); }
	stop() { this.connection.stop(); }

	welcome(data, resumed) {
		const firstTime = !this.state.me;
		this.state.applyWelcome(data, resumed);
		if (!this.outbox) this.outbox = new Outbox(data.me.user, () => this.state.emit('outbox'));
		this.outbox.resetSent();
		this.state.emit('outbox');
		this.state.emit(firstTime ? 'ready' : 'resumed');
		const current = this.state.current;
		if (current && this.state.rooms.has(current)) this.openRoom(current);
		this.outbox.flush(this.connection);
	}

	frame(frame) {
		switch (frame.type) {
			case 'presence': this.state.applyPresence(frame.changes); break;
			case 'typing': this.state.applyTyping(frame); break;
			case 'capabilities': this.state.applyCapabilities(frame.capabilities); break;
			default: break;
		}
	}

	request(type, fields) { return this.connection.request(type, fields); }

	/** Resolves once a room is in the state (after the resync its join triggers). */
	whenRoom(id) {
		return new Promise((resolve) => {
			const check = () => {
				if (!this.state.rooms.has(id) && Date.now() < deadline) return setTimeout(check, 30);
				resolve(id);
			};
			const deadline = Date.now() + 5000;
			check();
		});
	}

	// MARK: Rooms and history

	openRoom(id) {
		const state = this.state;
		if (!state.rooms.has(id)) return;
		const changed = state.current !== id;
		state.current = id;
		if (!state.timelines.has(id)) state.timelines.set(id, new Timeline());
		state.emit('current', { room: id, changed });
		const timeline = state.timelines.get(id);
		if (changed) timeline.anchor = state.rooms.get(id).unread > 0 ? state.rooms.get(id).readUpTo : null;
		if (!timeline.loaded) this.loadInitial(id);
		this.loadMembers(id);
	}

	async history(id, fields, options) {
		const timeline = this.state.timelines.get(id);
		if (!timeline || timeline.loading) return;
		timeline.loading = true;
		try {
			const page = await this.request('history', { room: id, limit: PAGE, ...fields });
			timeline.loading = false;
			timeline.addPage(page, options);
		} catch (error) {
			timeline.loading = false;
			timeline.waiting = [];
			throw error;
		} finally {
			this.state.emit('timeline', id);
		}
	}

	/** Opens at the first unread message when there is one, else at the end. */
	async loadInitial(id) {
		const room = this.state.rooms.get(id);
		const timeline = this.state.timelines.get(id);
		// A cursor of 0 (nothing read yet, e.g. just joined) pages from the room's beginning.
		if (room.unread > 0) {
			timeline.anchor = room.readUpTo;
			await this.history(id, { after: room.readUpTo, limit: 100 }, { reset: true }).catch(() => {});
			const first = timeline.first;
			if (first) await this.history(id, { before: first.position, limit: 20 }, { older: true }).catch(() => {});
		} else {
			timeline.anchor = null;
			await this.history(id, {}, { reset: true }).catch(() => {});
		}
	}

	loadOlder(id) {
		const timeline = this.state.timelines.get(id);
		if (!timeline?.hasMoreBefore || !timeline.first) return Promise.resolve();
		return this.history(id, { before: timeline.first.position }, { older: true });
	}

	loadNewer(id) {
		const timeline = this.state.timelines.get(id);
		if (!timeline || timeline.atPresent || !timeline.last) return Promise.resolve();
		return this.history(id, { after: timeline.last.position });
	}

	async jumpToDate(id, date) {
		const timeline = this.state.timelines.get(id);
		timeline.anchor = null;
		timeline.jumped = date.getTime();
		await this.history(id, { from: date.getTime() }, { reset: true });
		if (timeline.items.length === 0) return this.jumpToPresent(id);
		if (timeline.first) await this.loadOlder(id).catch(() => {});
	}

	jumpToPresent(id) {
		const timeline = this.state.timelines.get(id);
		timeline.jumped = null;
		return this.history(id, {}, { reset: true });
	}

	async loadMembers(id) {
		if (this.state.members.has(id) || this.state.status !== 'online') return;
		try {
			const reply = await this.request('members', { room: id });
			this.state.members.set(id, reply.data.members);
			this.state.emit('members', id);
		} catch { /* shown when online again */ }
	}

	/** Marks read up to what arrived; without `force` only if the window reaches the present. */
	markRead(id, { force = false } = {}) {
		const room = this.state.rooms.get(id);
		const timeline = this.state.timelines.get(id);
		if (!room || this.state.status !== 'online' || (!force && !timeline?.atPresent)) return;
		const upTo = Math.max(this.connection.lastSeen || 0, timeline?.last?.position || 0);
		if (upTo <= room.readUpTo || (room.unread === 0 && room.mentions === 0)) return;
		this.state.markedRead(room, upTo);
		this.request('read', { room: id, upTo }).catch(() => {});
	}

	// MARK: Messages

	post(room, text, replyTo) {
		this.outbox.add(room, text, replyTo);
		this.outbox.flush(this.connection);
	}

	edit(message, text) { return this.request('edit', { message, text }); }
	remove(message) { return this.request('delete', { message }); }

	typing(room) {
		const now = Date.now();
		if (now - this.lastTyping < TYPING_EVERY_MS || this.state.status !== 'online') return;
		this.lastTyping = now;
		this.request('typing', { room }).catch(() => {});
	}

	async openDirect(user) {
		const existing = this.state.directList().find((r) => this.state.partner(r) === user);
		if (existing) return existing.room;
		const reply = await this.request('openDirect', { user });
		return this.whenRoom(reply.room);
	}

	async join(room, password) {
		await this.request('join', password ? { room, password } : { room });
		await this.whenRoom(room);
	}

	async createRoom(fields) {
		const reply = await this.request('createRoom', fields);
		return this.whenRoom(reply.room);
	}

	setPresence(status) { this.request('presence', { status }).catch(() => {}); }
}
