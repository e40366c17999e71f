// The chat session without the DOM: one State, one Connection, one Outbox, and the actions the
// views call (open a room, page history, post, edit, read…).

import { Connection } from './connection.js';
import { Outbox } from './outbox.js';
import { State, ANNOUNCEMENTS } from './state.js';
import { Timeline } from './timeline.js';
import { Bulletin } from './bulletin.js';
import { Voice } from './voice.js';
import { Calls } from './calls.js';
import { timeZone } from './search.js';

const PAGE = 50;
const DECLINED_KEY = 'causerie.declined.';
const DECLINED_KEPT = 200;
const TYPING_EVERY_MS = 3000;
const quietly = () => {};

export class ChatClient {
	constructor({ token, serverPassword, onEnded }) {
		const state = (this.state = new State());
		this.bulletin = new Bulletin(this);
		this.voice = new Voice(this);
		this.calls = new Calls(this);
		this.lastTyping = 0;
		this.connection = new Connection({
			token, serverPassword,
			handlers: {
				welcome: (data, resumed) => this.welcome(data, resumed),
				event: (frame, counted) => state.applyEvent(frame, counted),
				frame: (frame) => (frame.type === 'presence' ? state.applyPresence(frame.changes)
					: frame.type === 'typing' ? state.applyTyping(frame)
						: frame.type === 'capabilities' ? state.applyCapabilities(frame.capabilities)
							: this.voice.frame(frame) || this.calls.frame(frame)),
				binary: (buffer) => this.voice.binary(buffer),
				status: (status) => { state.status = status; state.emit('status', status); },
				ended: onEnded,
			},
		});
		state.on('message', ({ event }) => event.author === state.me.user && event.clientId && this.outbox?.acknowledge(event.clientId));
		// A room we did not know (joined, added by an operator): a resume gets it in a welcome with
		// exact counts; a summary over HTTP would race with the live events.
		state.on('joined', () => this.connection.resync());
		// The server counts a broadcast unread for its sender too: sending one reads Announcements,
		// as posting reads a room (the state already shows it read).
		state.on('broadcast', ({ event, live, mine }) => live && mine
			&& this.request('read', { room: ANNOUNCEMENTS, upTo: event.position }).catch(quietly));
	}

	start() { this.connection.start(); }
	stop() { this.connection.stop(); }
	request(type, fields) { return this.connection.request(type, fields); }

	welcome(data, resumed) {
		const state = this.state;
		const firstTime = !state.me;
		state.declined = new Set(readList(DECLINED_KEY + data.me.user));
		state.applyWelcome(data, resumed);
		this.bulletin.welcome(data);
		this.outbox ??= new Outbox(data.me.user, () => state.emit('outbox'));
		this.outbox.resetSent();
		state.emit('outbox');
		state.emit(firstTime ? 'ready' : 'resumed');
		if (!firstTime) { this.voice.resumed(); this.calls.resumed(); }
		if (state.rooms.has(state.current)) this.openRoom(state.current);
		this.outbox.flush(this.connection);
	}

	/** Resolves once a room is in the state (after the resync its join triggers). */
	whenRoom(id) {
		const deadline = Date.now() + 5000;
		return new Promise((resolve) => {
			const check = () => (this.state.rooms.has(id) || Date.now() > deadline ? resolve(id) : setTimeout(check, 30));
			check();
		});
	}

	// Rooms and history.

	/** Opens a room; with `at` (a position: a search result), at that message, shown and flashed. */
	openRoom(id, { at } = {}) {
		const state = this.state;
		const room = state.rooms.get(id);
		if (!room) return;
		const changed = state.current !== id;
		state.current = id;
		if (!state.timelines.has(id)) state.timelines.set(id, new Timeline());
		const timeline = state.timelines.get(id);
		// The "new messages" line goes where the reader stopped, each time the room is opened.
		if (changed) timeline.anchor = room.unread > 0 ? room.readUpTo : null;
		// The view scrolls to `focus` once it has the row, then forgets it.
		if (at != null) timeline.focus = at;
		state.emit('current', { room: id, changed });
		if (at != null && !timeline.byPosition.has(at)) this.loadAround(id, timeline, at).catch(quietly);
		else if (!timeline.loaded) this.loadInitial(id, room, timeline);
		else if (at != null) state.emit('timeline', id);
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
		} finally {
			timeline.loading = false;
			this.state.emit('timeline', id);
		}
	}

	/** Opens at the first unread message when there is one (from the beginning if nothing was read), else at the end. */
	async loadInitial(id, room, timeline) {
		timeline.anchor = room.unread > 0 ? room.readUpTo : null;
		if (room.unread > 0) {
			await this.history(id, { after: room.readUpTo, limit: 100 }, { reset: true }).catch(quietly);
			if (timeline.first) await this.history(id, { before: timeline.first.position, limit: 20 }, { older: true }).catch(quietly);
		} else {
			await this.history(id, {}, { reset: true }).catch(quietly);
		}
	}

	/**
	 * A window around one message (a search result, perhaps years back): the pages before and
	 * after it, asked at once and applied together, so that the view opens once, centred on it.
	 * Like a jump to a date, the window may stop short of the present.
	 */
	async loadAround(id, timeline, position) {
		if (timeline.loading) return;
		timeline.loading = true;
		timeline.jumped = null;
		try {
			// `before` and `after` are exclusive: after position − 1 starts at the message itself.
			const [newer, older] = await Promise.all([
				this.request('history', { room: id, after: position - 1, limit: 30 }),
				this.request('history', { room: id, before: position, limit: 20 })]);
			timeline.loading = false;
			timeline.addPage(newer, { reset: true });
			timeline.addPage(older, { older: true });
		} finally {
			timeline.loading = false;
			this.state.emit('timeline', id);
		}
	}

	/** One page of search results (docs/protocol.schema.json, `search`): over the WebSocket, days in the user's zone. */
	search(fields) {
		return this.request('search', { timeZone: timeZone(), ...fields });
	}

	loadOlder(id) {
		const timeline = this.state.timelines.get(id);
		return timeline?.hasMoreBefore && timeline.first
			? this.history(id, { before: timeline.first.position }, { older: true }) : Promise.resolve();
	}

	loadNewer(id) {
		const timeline = this.state.timelines.get(id);
		return timeline?.last && !timeline.atPresent ? this.history(id, { after: timeline.last.position }) : Promise.resolve();
	}

	async jumpToDate(id, date) {
		const timeline = this.state.timelines.get(id);
		timeline.anchor = null;
		timeline.jumped = date.getTime();
		await this.history(id, { from: date.getTime() }, { reset: true });
		if (!timeline.items.length) return this.jumpToPresent(id);
		await this.loadOlder(id).catch(quietly);
	}

	jumpToPresent(id) {
		this.state.timelines.get(id).jumped = null;
		return this.history(id, {}, { reset: true });
	}

	async loadMembers(id) {
		// Announcements has no members to list.
		if (id === ANNOUNCEMENTS || this.state.members.has(id) || this.state.status !== 'online') return;
		const reply = await this.request('members', { room: id }).catch(quietly); // shown when online again
		if (!reply) return;
		this.state.members.set(id, reply.data.members);
		this.state.emit('members', id);
	}

	/** Marks read up to what arrived; without `force` only if the window reaches the present. */
	markRead(id, { force = false } = {}) {
		const room = this.state.rooms.get(id);
		const timeline = this.state.timelines.get(id);
		if (!room || this.state.status !== 'online' || (!force && !timeline?.atPresent)) return;
		const upTo = Math.max(this.connection.lastSeen || 0, timeline?.last?.position || 0);
		if (upTo <= room.readUpTo || (!room.unread && !room.mentions)) return;
		this.state.markedRead(room, upTo);
		this.request('read', { room: id, upTo }).catch(quietly);
	}

	// Messages and people.

	post(room, text, replyTo) {
		this.outbox.add(room, text, replyTo);
		this.outbox.flush(this.connection);
	}

	edit(message, text) { return this.request('edit', { message, text }); }
	remove(message) { return this.request('delete', { message }); }
	setPresence(status) { this.request('presence', { status }).catch(quietly); }

	typing(room) {
		if (Date.now() - this.lastTyping < TYPING_EVERY_MS || this.state.status !== 'online') return;
		this.lastTyping = Date.now();
		this.request('typing', { room }).catch(quietly);
	}

	/**
	 * Decline: gone here at once, and remembered in this browser. A server that knows `decline`
	 * forgets the invitation for good (member.declined reaches our other devices); an older one
	 * answers an error, and the invitation stays dismissed in this browser only.
	 */
	declineInvitation(room) {
		const key = this.state.decline(room);
		if (!key) return;
		const kept = [...readList(DECLINED_KEY + this.state.me.user).filter((k) => k !== key), key].slice(-DECLINED_KEPT);
		localStorage.setItem(DECLINED_KEY + this.state.me.user, JSON.stringify(kept));
		this.request('decline', { room }).catch(quietly);
	}

	async openDirect(user) {
		const existing = this.state.directList().find((r) => this.state.partner(r) === user);
		return existing ? existing.room : this.whenRoom((await this.request('openDirect', { user })).room);
	}

	async join(room, password) {
		await this.request('join', { room, password: password || undefined });
		return this.whenRoom(room);
	}

	async createRoom(fields) {
		return this.whenRoom((await this.request('createRoom', fields)).room);
	}
}

/** A JSON list from localStorage; nothing when absent or unreadable. */
function readList(key) {
	try {
		const list = JSON.parse(localStorage.getItem(key));
		return Array.isArray(list) ? list : [];
	} catch {
		return [];
	}
}
