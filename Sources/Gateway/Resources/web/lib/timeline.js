// One room's loaded window of history, sorted by position, no duplicates. Live events join it
// only when it reaches the present (not after a jump to a date): it never has a hole.

// Room events shown in the conversation (the rest only change state).
const SHOWN = new Set(['message.posted', 'broadcast', 'file.uploaded', 'folder.shared', 'room.created', 'room.topic',
	'room.renamed', 'member.joined', 'member.left', 'member.kicked', 'member.banned', 'member.role', 'board.activity',
	'call.ended']);

/** File events that change a file shown earlier (its row says so rather than a row of its own). */
const FILE_CHANGES = new Set(['file.renamed', 'file.moved', 'file.deleted']);

/** Items drawn as messages: posts, the broadcasts of Announcements (never edited nor deleted), files. */
export const isMessage = (item) => item.kind === 'message.posted' || item.kind === 'broadcast' || isFile(item);

/** A file or a shared folder in the conversation. */
export const isFile = (item) => item.kind === 'file.uploaded' || item.kind === 'folder.shared';

export class Timeline {
	constructor() {
		this.items = [];
		this.byPosition = new Map();
		this.hasMoreBefore = true;
		// Nothing more before, but older events exist: the server's retention hides them.
		this.hiddenBefore = false;
		this.atPresent = false;
		this.loaded = false;
		this.loading = false;
		// Live events that arrive while a page is being fetched: applied once it is in.
		this.waiting = [];
	}

	get first() { return this.items[0]; }
	get last() { return this.items[this.items.length - 1]; }

	lastMessage() {
		for (let i = this.items.length - 1; i >= 0; i--) if (isMessage(this.items[i])) return this.items[i];
		return null;
	}

	insert(frame) {
		if (FILE_CHANGES.has(frame.kind)) return this.reviseFile(frame);
		if (!SHOWN.has(frame.kind) || this.byPosition.has(frame.position)) return false;
		const item = { ...frame, rev: 0 };
		// Files are drawn as messages by whoever sent them.
		if (isFile(item)) item.author = frame.uploader || frame.actor;
		if (item.kind === 'message.posted') {
			item.edited = Boolean(frame.edited);
			item.deleted = Boolean(frame.deleted) || frame.text === null;
		}
		this.byPosition.set(item.position, item);
		this.items.push(item);
		return true;
	}

	/** A page of history (oldest first). `older` pages extend the window back, others forward. */
	addPage(page, { older = false, reset = false } = {}) {
		if (reset) {
			this.items = [];
			this.byPosition.clear();
		}
		for (const frame of page.items) this.insert(frame);
		this.items.sort((a, b) => a.position - b.position);
		if (older || reset || !this.loaded) {
			this.hasMoreBefore = page.hasMoreBefore;
			this.hiddenBefore = Boolean(page.hiddenBefore);
		}
		if (!older) this.atPresent = !page.hasMoreAfter;
		this.loaded = true;
		const waiting = this.waiting;
		this.waiting = [];
		if (this.atPresent) for (const frame of waiting) this.live(frame);
	}

	/** A live event for this room: kept only if the window reaches the present. */
	live(frame) {
		if (this.loading) { this.waiting.push(frame); return false; }
		if (frame.kind === 'message.edited' || frame.kind === 'message.deleted') return this.revise(frame);
		if (FILE_CHANGES.has(frame.kind)) return this.reviseFile(frame);
		if (!this.atPresent) return false;
		const added = this.insert(frame);
		// Live events come in log order, but a page may have landed in between: keep the order.
		if (added && this.items.length > 1 && this.items[this.items.length - 2].position > frame.position) {
			this.items.sort((a, b) => a.position - b.position);
		}
		return added;
	}

	revise(frame) {
		const item = this.byPosition.get(frame.message);
		if (!item) return false;
		if (frame.kind === 'message.edited') {
			item.text = frame.text;
			item.mentions = frame.mentions;
			item.edited = true;
		} else {
			item.deleted = true;
			item.text = null;
		}
		item.rev += 1;
		return true;
	}

	/** A file renamed, moved away or deleted: its row shows the new name, or that it is gone. */
	reviseFile(frame) {
		const item = this.items.find((i) => i.kind === 'file.uploaded' && i.file === frame.file);
		if (!item) return false;
		if (frame.kind === 'file.renamed') item.name = frame.name;
		else if (frame.kind === 'file.deleted' || frame.area !== item.area) item.gone = true;
		else if (frame.name) item.name = frame.name;
		item.rev += 1;
		return true;
	}

	/** Messages after a position not written by `me` (to recount unread after a read elsewhere). */
	countAfter(position, me, mentionsOnly) {
		let count = 0;
		for (const item of this.items) {
			if (item.position <= position || !isMessage(item) || item.author === me) continue;
			if (!mentionsOnly || (item.mentions || []).includes(me)) count += 1;
		}
		return count;
	}
}
