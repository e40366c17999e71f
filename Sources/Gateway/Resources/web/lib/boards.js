// A Kanban board without the DOM: the snapshot GET /api/v1/boards/{id} gives, then the live
// events after its `position` folded in as the server folds them (Projections/Boards/BoardsView):
// each list — one stage in one lane — sorted by key, then by id, so that two moves landing on one
// key end the same on every screen. Also the filters and orders the views share.

import { foldForSearch } from './i18n.js';

export const COLOURS = ['grey', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'indigo', 'purple', 'pink', 'brown'];
export const PRIORITIES = ['none', 'low', 'normal', 'high', 'urgent'];
export const ROLES = ['viewer', 'commenter', 'editor', 'owner'];
/** Card fields a card.changed may carry (only those that changed). */
const FIELDS = ['title', 'description', 'assignees', 'deadline', 'priority', 'labels', 'checklist', 'attachments', 'cover'];
const DAY_MS = 86_400_000;
/** A deadline this close is "due soon". */
export const SOON_MS = 2 * DAY_MS;
const EMPTY = Object.freeze([]);

export const roleAtLeast = (role, wanted) => ROLES.indexOf(role) >= ROLES.indexOf(wanted);

/** Byte order on ASCII keys and ids, as the server compares them. */
const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
export const inOrder = (a, b) => compare(a.key, b.key) || compare(a.id, b.id);
const byKey = (a, b) => compare(a.key, b.key) || compare(a.id, b.id);

const cellKey = (stage, lane) => stage + '\u0000' + lane;

/** A card made from card.created: the server's defaults for what the event leaves out. */
function newCard(ev) {
	const card = { id: ev.card, stage: ev.stage, lane: ev.lane, key: ev.key, title: '', description: '', assignees: [],
		deadline: null, priority: 'none', labels: [], checklist: [], attachments: [], cover: '', archived: false,
		watchers: [ev.actor], createdBy: ev.actor, created: ev.time, updated: ev.time, comments: 0 };
	for (const field of FIELDS) if (field in ev) card[field] = ev[field];
	return card;
}

/** What a card of a board snapshot holds when the server leaves a field out (new lists each time). */
const cardDefaults = () => ({ description: '', assignees: [], deadline: null, priority: 'none', labels: [], checklist: [],
	attachments: [], cover: '', archived: false, watchers: [], comments: 0 });

export class BoardModel {
	/** `me` and `admin`: an administrator acts as owner of every board, whatever its members say. */
	constructor(snapshot, { me, admin = false } = {}) {
		const { cards, ...info } = snapshot;
		Object.assign(this, info);
		this.me = me;
		this.admin = admin;
		this.cards = new Map();
		this.cells = new Map();
		// The server sends cards in key order: pushed in turn, every list is sorted already. It
		// leaves out fields at their default (a board of 10,000 cards is half the size): put back.
		for (const sent of cards) {
			const card = { ...cardDefaults(), ...sent };
			this.cards.set(card.id, card);
			if (!card.archived) this.cell(card.stage, card.lane).push(card);
		}
	}

	cell(stage, lane) {
		const key = cellKey(stage, lane);
		let list = this.cells.get(key);
		if (!list) this.cells.set(key, (list = []));
		return list;
	}

	/** The cards of one list, in order (archived ones left out). */
	list(stage, lane) { return this.cells.get(cellKey(stage, lane)) || EMPTY; }

	/** Cards not archived in a stage, every lane: what its WIP limit counts. */
	openCount(stage) {
		let n = 0;
		for (const lane of this.lanes) n += this.list(stage, lane.id).length;
		return n;
	}

	stage(id) { return this.stages.find((s) => s.id === id); }
	lane(id) { return this.lanes.find((l) => l.id === id); }
	label(id) { return this.labels.find((l) => l.id === id); }
	/** A board with one lane without a name draws no lane header. */
	get plainLanes() { return this.lanes.length === 1 && !this.lanes[0].name; }
	/** Whether I may act with `role` now: never on an archived board or one seen as it was. */
	can(role) { return !this.archived && this.asOf == null && roleAtLeast(this.role, role); }

	place(card) {
		const list = this.cell(card.stage, card.lane);
		let low = 0;
		let high = list.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (byKey(list[middle], card) < 0) low = middle + 1; else high = middle;
		}
		list.splice(low, 0, card);
	}

	unplace(card) {
		const list = this.cells.get(cellKey(card.stage, card.lane));
		const index = list ? list.indexOf(card) : -1;
		if (index >= 0) list.splice(index, 1);
	}

	/**
	 * One live event. Returns what changed for the view: null (nothing, or already in the
	 * snapshot), { refetch } (a stage or lane deleted, a card we never had restored), { all },
	 * { header }, or { cells: [cell keys], cards: [ids] }.
	 */
	apply(ev) {
		if (ev.position <= this.position) return null;
		this.position = ev.position;
		const card = ev.card && this.cards.get(ev.card);
		switch (ev.kind) {
			case 'board.changed':
				for (const field of ['title', 'description', 'colour', 'deadline', 'room', 'announce']) this[field] = ev[field];
				return { header: true };
			case 'board.archived':
				this.archived = ev.archived;
				return { all: true };
			case 'board.member':
				this.members = this.members.filter((m) => m.user !== ev.user);
				if (ev.role) this.members.push({ user: ev.user, role: ev.role });
				if (ev.user === this.me && !this.admin) this.role = ev.role;
				return ev.user === this.me && !ev.role && !this.admin ? { removed: true } : { all: true };
			case 'board.labels':
				this.labels = ev.labels;
				return { all: true };
			case 'stage.added':
			case 'stage.changed':
				this.stages = [...this.stages.filter((s) => s.id !== ev.stage.id), ev.stage].sort(byKey);
				return { all: true };
			case 'lane.added':
			case 'lane.changed':
				this.lanes = [...this.lanes.filter((l) => l.id !== ev.lane.id), ev.lane].sort(byKey);
				return { all: true };
			case 'stage.deleted':
			case 'lane.deleted':
				return { refetch: true };
			case 'card.created': {
				const created = newCard(ev);
				this.cards.set(created.id, created);
				this.place(created);
				return { cells: [cellKey(created.stage, created.lane)], cards: [created.id] };
			}
		}
		if (!card) return ev.kind === 'card.archived' && !ev.archived ? { refetch: true } : null;
		const before = cellKey(card.stage, card.lane);
		card.updated = ev.time;
		switch (ev.kind) {
			case 'card.changed':
				for (const field of FIELDS) if (field in ev) card[field] = field === 'attachments' ? named(ev.attachments, card.attachments) : ev[field];
				break;
			case 'card.moved':
				this.unplace(card);
				Object.assign(card, { stage: ev.stage, lane: ev.lane, key: ev.key });
				this.place(card);
				break;
			case 'card.archived':
				if (ev.archived) this.unplace(card);
				else if (card.archived) this.place(card);
				card.archived = ev.archived;
				break;
			case 'card.deleted':
				this.unplace(card);
				this.cards.delete(card.id);
				break;
			case 'card.commented':
				card.comments += 1;
				return { cards: [card.id], cells: [] };
			case 'card.watched':
				card.watchers = card.watchers.filter((w) => w !== ev.actor).concat(ev.watching ? [ev.actor] : []);
				return { cards: [card.id], cells: [] };
			default:
				return null;
		}
		return { cells: [...new Set([before, cellKey(card.stage, card.lane)])], cards: [card.id] };
	}
}

/** Live attachments name files by id only: keep the names and sizes the snapshot gave. */
function named(list, previous) {
	const known = new Map(previous.filter((a) => a.file).map((a) => [a.file, a]));
	return list.map((a) => (a.file && known.has(a.file) ? { ...known.get(a.file), ...a } : a));
}

export { cellKey };

// MARK: Deadlines, filters and orders

/** 'overdue', 'soon' (within two days) or null; a card in a done stage is never late. */
export function deadlineState(card, done, now = Date.now()) {
	if (card.deadline == null || done) return null;
	if (card.deadline < now) return 'overdue';
	return card.deadline - now < SOON_MS ? 'soon' : null;
}

/** This week, Monday to Monday in the user's time zone. */
function weekBounds(now) {
	const start = new Date(now);
	start.setHours(0, 0, 0, 0);
	start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
	const end = new Date(start);
	end.setDate(end.getDate() + 7);
	return [start.getTime(), end.getTime()];
}

/**
 * A test for the filters { text, assignee ('' | 'me' | 'none' | id), label, due ('' | 'overdue' |
 * 'week' | 'none') }, or null when none is set (every card shows).
 */
export function cardFilter(filters, board, now = Date.now()) {
	const { text = '', assignee = '', label = '', due = '' } = filters || {};
	const words = foldForSearch(text).split(/\s+/).filter(Boolean);
	if (!words.length && !assignee && !label && !due) return null;
	const who = assignee === 'me' ? board.me : assignee;
	const [weekStart, weekEnd] = weekBounds(now);
	return (card) => {
		if (who === 'none' ? card.assignees.length > 0 : who && !card.assignees.includes(who)) return false;
		if (label && !card.labels.includes(label)) return false;
		if (due === 'none' && card.deadline != null) return false;
		if (due === 'overdue' && !(deadlineState(card, board.stage(card.stage)?.done, now) === 'overdue')) return false;
		if (due === 'week' && !(card.deadline >= weekStart && card.deadline < weekEnd)) return false;
		if (words.length) {
			const haystack = foldForSearch(card.title + ' ' + card.description);
			if (!words.every((word) => haystack.includes(word))) return false;
		}
		return true;
	};
}

/** Orders for the list view: by deadline (none last), priority (urgent first), assignee, title, stage. */
export function cardSorter(by, board, name) {
	const stageIndex = new Map(board.stages.map((s, i) => [s.id, i]));
	const sorters = {
		deadline: (a, b) => (a.deadline ?? Infinity) - (b.deadline ?? Infinity),
		priority: (a, b) => PRIORITIES.indexOf(b.priority) - PRIORITIES.indexOf(a.priority),
		assignee: (a, b) => (a.assignees.length ? 0 : 1) - (b.assignees.length ? 0 : 1)
			|| name(a.assignees[0] || '').localeCompare(name(b.assignees[0] || '')),
		title: (a, b) => a.title.localeCompare(b.title),
		stage: (a, b) => stageIndex.get(a.stage) - stageIndex.get(b.stage) || inOrder(a, b),
	};
	const sort = sorters[by] || sorters.stage;
	return (a, b) => sort(a, b) || sorters.stage(a, b);
}

/** "2/5" for a checklist, or null without one. */
export function checklistProgress(card) {
	if (!card.checklist.length) return null;
	return { done: card.checklist.filter((item) => item.done).length, total: card.checklist.length };
}
