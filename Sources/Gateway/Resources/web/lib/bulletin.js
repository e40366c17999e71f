// The bulletin board in brief, without the DOM: its unread count and read cursor, and what the
// user must read before going on — must-read notices and must-read broadcasts not yet
// acknowledged (docs/bulletin.md). The welcome's `bulletin` and `announcements.pending` give them
// on connecting; a server without those is asked GET /api/v1/bulletin (broadcasts then only block
// when they arrive live). Views listen to the state's 'summary' topic.

import { api } from './api.js';
import { BULLETIN } from './state.js';

const quietly = () => {};
// Events that change what the board shows or who must read what: the board is asked again
// (notices are few; one small request beats folding audiences here).
const REFRESHED_BY = new Set(['bulletin.posted', 'bulletin.edited', 'bulletin.withdrawn', 'bulletin.reminded']);

export class Bulletin {
	constructor(client) {
		this.client = client;
		this.state = client.state;
		this.unread = 0;
		this.readUpTo = 0;
		/** Notices as the last GET gave them, by id (the must-read dialog draws them from here). */
		this.notices = new Map();
		/** Must-read notice ids not acknowledged yet, in the order posted. */
		this.pendingNotices = [];
		/** Must-read broadcasts not acknowledged yet: position → the broadcast's frame. */
		this.pendingBroadcasts = new Map();
		this.refreshing = null;
		this.again = false;
		this.state.on('bulletin', ({ event }) => this.apply(event));
		// A must-read broadcast arriving now: its frame has all the dialog needs.
		this.state.on('broadcast', ({ event, live, mine }) => {
			if (live && event.mustRead && !mine) this.addBroadcast(event);
		});
	}

	changed() { this.state.emit('summary'); }

	/** The welcome (first or resumed): the summary if the server sends it, else the board asked. */
	welcome(data) {
		const summary = data.bulletin;
		if (summary) {
			this.unread = summary.unread ?? 0;
			this.readUpTo = summary.readUpTo ?? 0;
			this.pendingNotices = summary.pending ?? [];
		}
		// The notices' text is needed for any pending one; without a summary, the counts too.
		if (!summary || this.pendingNotices.some((id) => !this.notices.has(id))) this.refresh();
		const positions = data.announcements?.pending;
		if (Array.isArray(positions)) {
			for (const position of [...this.pendingBroadcasts.keys()]) if (!positions.includes(position)) this.pendingBroadcasts.delete(position);
			for (const position of positions) if (!this.pendingBroadcasts.has(position)) this.loadBroadcast(position);
		}
		this.changed();
	}

	/** GET /api/v1/bulletin: counts, cursor, pending ids and the notices on the board. */
	refresh() {
		// One request at a time; events during it ask for one more afterwards.
		if (this.refreshing) { this.again = true; return this.refreshing; }
		this.refreshing = api('GET', 'bulletin').then((board) => {
			this.unread = board.unread;
			this.readUpTo = board.readUpTo;
			this.pendingNotices = board.pending;
			this.notices = new Map(board.notices.map((n) => [n.id, n]));
			this.changed();
			return board;
		}).catch(quietly).finally(() => {
			this.refreshing = null;
			if (this.again) { this.again = false; this.refresh(); }
		});
		return this.refreshing;
	}

	apply(ev) {
		const me = this.state.me.user;
		if (ev.kind === 'read.marked') {
			// Read here or on another device.
			if (ev.upTo > this.readUpTo) { this.readUpTo = ev.upTo; this.refresh(); }
		} else if (REFRESHED_BY.has(ev.kind)) {
			this.refresh();
		} else if (ev.kind === 'bulletin.acknowledged' && ev.user === me) {
			this.pendingNotices = this.pendingNotices.filter((id) => id !== ev.bulletin);
			this.changed();
		} else if (ev.kind === 'broadcast.acknowledged' && ev.user === me) {
			if (this.pendingBroadcasts.delete(ev.message)) this.changed();
		} else if (ev.kind === 'broadcast.reminded' && (ev.users || []).includes(me)) {
			this.loadBroadcast(ev.message);
		}
		if (ev.kind.startsWith('bulletin.')) this.state.emit('notices', ev);
	}

	/** A must-read broadcast known by position only: its text from the Announcements history. */
	async loadBroadcast(position) {
		const page = await this.client.request('history', { room: 'announcements', after: position - 1, limit: 1 }).catch(() => null);
		const frame = page?.items?.find((item) => item.position === position);
		if (frame) this.addBroadcast(frame);
	}

	addBroadcast(frame) {
		this.pendingBroadcasts.set(frame.position, frame);
		this.changed();
	}

	/**
	 * What must be read now, oldest first: notices (not one's own: their author has nothing to
	 * acknowledge) and broadcasts. Each is { kind: 'notice'|'broadcast', id, item }.
	 */
	mustRead() {
		const me = this.state.me.user;
		const notices = this.pendingNotices.map((id) => this.notices.get(id))
			.filter((n) => n && n.author !== me && !n.acknowledgedAt && !n.withdrawn)
			.map((n) => ({ kind: 'notice', id: n.id, item: n, position: n.position }));
		const broadcasts = [...this.pendingBroadcasts.values()].filter((b) => b.author !== me)
			.map((b) => ({ kind: 'broadcast', id: b.position, item: b, position: b.position }));
		return [...notices, ...broadcasts].sort((a, b) => a.position - b.position);
	}

	/** "I have read it": the server records it once; here it leaves the list at once. */
	async acknowledge(entry) {
		if (entry.kind === 'notice') {
			await api('POST', `bulletin/${encodeURIComponent(entry.id)}/acknowledge`);
			this.pendingNotices = this.pendingNotices.filter((id) => id !== entry.id);
			const notice = this.notices.get(entry.id);
			if (notice) notice.acknowledgedAt = Date.now();
		} else {
			await api('POST', `announcements/${entry.id}/acknowledge`);
			this.pendingBroadcasts.delete(entry.id);
		}
		this.changed();
	}

	/** Reads the board up to what has arrived (the bulletin screen is on view). */
	markRead(upTo) {
		const position = Math.max(upTo || 0, this.client.connection.lastSeen || 0);
		if (!this.unread || position <= this.readUpTo || this.state.status !== 'online') return;
		this.readUpTo = position;
		this.unread = 0;
		this.changed();
		this.client.request('read', { room: BULLETIN, upTo: position }).catch(quietly);
	}
}
