// The client's state, folded from the welcome and the pushed events like the server's views.
// No DOM: views subscribe to topics ('rooms', 'names', 'timeline', …) and redraw what changed.

import { Timeline } from './timeline.js';

const TYPING_MS = 6000;
const REMOVED = new Set(['member.left', 'member.kicked', 'member.banned']);

/** The Announcements conversation: the administrators' broadcasts, paged and read like a room. */
export const ANNOUNCEMENTS = 'announcements';

/**
 * Announcements as one more entry of `rooms`, from the welcome's summary: unread counts, the read
 * cursor, timelines and the tab title then work as for rooms. Read-only, no members (canWrite,
 * canModerate and the views say so); `last` is null until a first broadcast arrives.
 */
function announcementsRoom({ unread = 0, readUpTo = 0, last = null }) {
	return { room: ANNOUNCEMENTS, name: '', topic: '', visibility: ANNOUNCEMENTS, hasPassword: false, nonLeavable: true,
		autoJoin: false, archived: false, role: 'member', memberCount: 0, unread, mentions: 0, readUpTo, last,
		lastMessageAt: 0, mutedUntil: null, members: null };
}

/** The bulletin board's read cursor lives under this room id (read, read.marked). */
export const BULLETIN = 'bulletin';

const BOARD_EVENT = /^(board|stage|lane|card)\./;

/** An invitation by its room and position: a later invitation to the same room shows again. */
const declinedKey = (room, position) => `${room}@${position ?? ''}`;

export class State {
	constructor() {
		this.me = this.server = this.current = null;
		this.users = new Map();
		this.rooms = new Map();
		this.timelines = new Map();
		this.members = new Map();
		this.typing = new Map();
		this.invitations = new Map();
		// Invitations dismissed here ("room@position"): the client keeps them in localStorage.
		this.declined = new Set();
		this.capabilities = new Set();
		this.status = 'connecting';
		// Features the server has: the left column shows their entries when true (boards also need
		// the kanban right). The bulletin's counts live in lib/bulletin.js.
		this.features = { kanban: true, bulletin: true };
		// The full-width screen over the conversation ('boards', 'bulletin'), or null (views/workspace.js).
		this.screen = null;
		this.listeners = new Map();
	}

	on(topic, fn) {
		if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
		this.listeners.get(topic).add(fn);
	}

	off(topic, fn) { this.listeners.get(topic)?.delete(fn); }

	emit(topic, detail) {
		for (const fn of this.listeners.get(topic) || []) fn(detail);
	}

	can(capability) { return this.capabilities.has(capability); }

	/** The welcome: rooms, people and self as of its position. A resume keeps loaded timelines. */
	applyWelcome(data, resumed) {
		this.me = data.me;
		this.server = data.server;
		this.iceServers = data.iceServers || []; // calls (lib/calls.js)
		this.capabilities = new Set(data.me.capabilities);
		this.users = new Map((data.users || []).map((u) => [u.user, u]));
		this.rooms = new Map(data.rooms.map((r) => [r.room, r]));
		// Older servers send no summary: broadcasts then only show as they arrive (a toast).
		if (data.announcements) this.rooms.set(ANNOUNCEMENTS, announcementsRoom(data.announcements));
		for (const id of [...this.timelines.keys()]) if (!resumed || !this.rooms.has(id)) this.timelines.delete(id);
		// Pending invitations: newer servers list them; older ones only send them live, so keep ours.
		const pending = Array.isArray(data.invitations) ? data.invitations : [...this.invitations.values()];
		this.invitations = new Map();
		for (const invitation of pending) this.invite(invitation);
		this.members.clear();
		this.typing.clear();
		for (const topic of ['server', 'me', 'users', 'names', 'rooms', 'invitations']) this.emit(topic);
		for (const id of this.timelines.keys()) this.emit('timeline', id);
	}

	/** One event frame; `counted` when the welcome's counts already include it. */
	applyEvent(ev, counted) {
		const room = ev.room && this.rooms.get(ev.room);
		const me = this.me.user;
		const kind = ev.kind;
		if (kind === 'message.posted') {
			if (room) {
				room.lastMessageAt = Math.max(room.lastMessageAt || 0, ev.time);
				if (ev.author === me) {
					// Posting in a conversation reads it (as the server counts).
					room.readUpTo = Math.max(room.readUpTo, ev.position);
					room.unread = room.mentions = 0;
				} else if (!counted && ev.position > room.readUpTo) {
					room.unread += 1;
					if ((ev.mentions || []).includes(me)) room.mentions += 1;
				}
				this.stopTyping(ev.room, ev.author);
				this.emit('rooms');
			}
			this.toTimeline(ev);
			this.emit('message', { event: ev, live: !counted, room });
		} else if (kind === 'message.edited' || kind === 'message.deleted') {
			this.toTimeline(ev);
		} else if (kind === 'room.created') {
			if (!room) {
				// The same shape as the welcome's rooms; the first member of a room (not a direct one) owns it.
				const { room: id, name, topic, visibility, hasPassword, nonLeavable, autoJoin, members } = ev;
				const direct = visibility === 'direct';
				this.rooms.set(id, { room: id, name, topic, visibility, hasPassword, nonLeavable, autoJoin, archived: false,
					role: !direct && members[0] === me ? 'owner' : 'member', memberCount: members.length, unread: 0, mentions: 0,
					readUpTo: 0, lastMessageAt: ev.time, mutedUntil: null, members: direct ? members : null });
				this.emit('rooms');
			}
			this.toTimeline(ev);
		} else if (kind === 'room.deleted') {
			// Deleted by an administrator: gone for everyone in it.
			if (room) {
				this.rooms.delete(ev.room);
				this.timelines.delete(ev.room);
				this.emit('rooms');
				this.emit('removed', { room: ev.room, name: room.name, kind: ev.kind, mine: false });
			}
		} else if (kind.startsWith('room.')) {
			if (room) {
				const { name, topic, archived, visibility, hasPassword, nonLeavable, autoJoin } = ev;
				const fields = { name, topic, archived, visibility, hasPassword, nonLeavable, autoJoin };
				for (const key in fields) if (fields[key] !== undefined) room[key] = fields[key];
				this.emit('rooms');
			}
			this.toTimeline(ev);
		} else if (kind.startsWith('member.')) {
			this.member(ev, room, counted);
		} else if (kind === 'read.marked') {
			if (room && ev.upTo > room.readUpTo) this.markedRead(room, ev.upTo);
			else if (ev.room === BULLETIN) this.emit('bulletin', { event: ev, live: !counted });
		} else if (kind.startsWith('user.')) {
			this.userEvent(ev);
		} else if (kind === 'quickphrases.changed') {
			this.me.quickPhrases = ev.phrases;
			this.emit('me');
		} else if (kind === 'password.changed') {
			this.me.mustChangePassword = ev.mustChange;
		} else if (kind === 'settings.changed') {
			Object.assign(this.server, { name: ev.serverName, registrationOpen: ev.registrationOpen,
				maxMessageLength: ev.maxMessageLength, retentionDays: ev.retentionDays ?? 0 });
			this.emit('server');
		} else if (kind === 'broadcast') {
			this.broadcast(ev, room, counted);
		} else if (kind.startsWith('file.') || kind.startsWith('folder.') || kind.startsWith('files.')) {
			this.fileEvent(ev, room, counted);
		} else if (BOARD_EVENT.test(kind)) {
			// Boards keep their own models (lib/boards.js), fetched when opened: handed on as they come.
			this.emit('board', { event: ev, live: !counted });
		} else if (kind.startsWith('bulletin.') || kind.startsWith('broadcast.')) {
			this.emit('bulletin', { event: ev, live: !counted });
		} else if (kind === 'call.ended') {
			this.toTimeline(ev); // a call's line in its conversation (lib/calls.js has the live call)
		}
	}

	/** A broadcast: one more announcement (unread unless I sent it), and `live` for the toast. */
	broadcast(ev, room, counted) {
		const mine = ev.author === this.me.user;
		if (room) {
			room.last = Math.max(room.last ?? 0, ev.position);
			room.lastMessageAt = Math.max(room.lastMessageAt, ev.time);
			// Sending one reads Announcements, as posting reads a room. The server does not count it
			// so: the client sends it a `read` (see ChatClient).
			if (mine && !counted) this.markedRead(room, ev.position);
			else if (!counted && ev.position > room.readUpTo) room.unread += 1;
			this.emit('rooms');
		}
		this.toTimeline(ev);
		this.emit('broadcast', { event: ev, live: !counted, mine, room });
	}

	/** A file event: in a conversation like a message (unread for the others), and for the file views. */
	fileEvent(ev, room, counted) {
		const sent = ev.kind === 'file.uploaded' || ev.kind === 'folder.shared';
		if (room && sent) {
			room.lastMessageAt = Math.max(room.lastMessageAt || 0, ev.time);
			if (ev.uploader === this.me.user) room.readUpTo = Math.max(room.readUpTo, ev.position);
			else if (!counted && ev.position > room.readUpTo) room.unread += 1;
			this.emit('rooms');
		}
		this.toTimeline(ev);
		this.emit('files', ev);
	}

	member(ev, room, counted) {
		const mine = ev.user === this.me.user;
		if (REMOVED.has(ev.kind) && mine) {
			this.rooms.delete(ev.room);
			this.timelines.delete(ev.room);
			this.emit('rooms');
			this.emit('removed', { room: ev.room, name: room?.name, kind: ev.kind, mine: ev.actor === this.me.user });
			return;
		}
		if (ev.kind === 'member.invited' && mine && !room) {
			// roomName and topic: only from newer servers (the room is not ours to look up yet).
			if (this.invite({ room: ev.room, name: ev.roomName, topic: ev.topic, by: ev.actor, position: ev.position })) {
				this.emit('invitations');
				this.emit('invited', this.invitations.get(ev.room));
			}
			return;
		}
		if (ev.kind === 'member.declined' && mine) {
			if (this.invitations.delete(ev.room)) this.emit('invitations'); // declined on another device
			return;
		}
		if (ev.kind === 'member.joined' && mine) {
			this.invitations.delete(ev.room);
			this.emit('invitations');
			if (!room) this.emit('joined', ev.room); // the client fetches the room's summary
		}
		if (room && !mine && !counted) {
			if (ev.kind === 'member.joined') room.memberCount += 1;
			if (REMOVED.has(ev.kind)) room.memberCount = Math.max(0, room.memberCount - 1);
		}
		if (room && mine) {
			if (ev.kind === 'member.role') room.role = ev.role;
			if (ev.kind === 'member.muted') room.mutedUntil = ev.until;
			if (ev.kind === 'member.unmuted') room.mutedUntil = null;
			this.emit('rooms');
		}
		this.members.delete(ev.room);
		this.emit('members', ev.room);
		this.toTimeline(ev);
	}

	userEvent(ev) {
		const user = this.users.get(ev.user);
		if (ev.kind === 'user.registered') {
			this.users.set(ev.user, { user: ev.user, username: ev.username, displayName: ev.displayName, email: '',
				phone: '', department: '', disabled: false, bot: ev.bot, presence: 'offline' });
			this.emit('names');
		} else if (ev.kind === 'user.profile') {
			const fields = { displayName: ev.displayName, email: ev.email, phone: ev.phone, department: ev.department };
			if (user) Object.assign(user, fields);
			if (ev.user === this.me.user) { Object.assign(this.me, fields); this.emit('me'); }
			this.emit('names');
		} else if (user && (ev.kind === 'user.disabled' || ev.kind === 'user.enabled')) {
			user.disabled = ev.kind === 'user.disabled';
		} else if (ev.kind === 'user.groups' && ev.user === this.me.user) {
			this.me.groups = ev.groups;
		}
		this.emit('users');
	}

	/** An invitation to a room I am not in, unless dismissed here; true when it is new. */
	invite({ room, name, topic, by, position }) {
		if (this.rooms.has(room) || this.declined.has(declinedKey(room, position))) return false;
		const known = this.invitations.has(room);
		this.invitations.set(room, { room, name: name || '', topic: topic || '', by, position });
		return !known;
	}

	/** Dismisses an invitation here (the server has no "decline" yet); returns its key to remember. */
	decline(room) {
		const invitation = this.invitations.get(room);
		if (!invitation) return null;
		const key = declinedKey(room, invitation.position);
		this.declined.add(key);
		this.invitations.delete(room);
		this.emit('invitations');
		return key;
	}

	toTimeline(ev) {
		if (this.timelines.get(ev.room)?.live(ev)) this.emit('timeline', ev.room);
	}

	/** Read up to a position (here or in another tab): recount from the loaded window when it can. */
	markedRead(room, upTo) {
		room.readUpTo = upTo;
		const timeline = this.timelines.get(room.room);
		if (timeline?.atPresent && (!timeline.hasMoreBefore || timeline.first?.position <= upTo)) {
			room.unread = timeline.countAfter(upTo, this.me.user, false);
			room.mentions = timeline.countAfter(upTo, this.me.user, true);
		} else if (!timeline || upTo >= (timeline.lastMessage()?.position ?? 0)) {
			room.unread = room.mentions = 0;
		}
		this.emit('rooms');
	}

	// Frames without a position: presence, typing, capabilities.

	applyPresence(changes) {
		for (const { user, status } of changes) {
			const found = this.users.get(user);
			if (found) found.presence = status;
		}
		this.emit('users');
	}

	applyTyping({ room, user }) {
		if (user === this.me.user) return;
		if (!this.typing.has(room)) this.typing.set(room, new Map());
		this.typing.get(room).set(user, Date.now() + TYPING_MS);
		this.emit('typing', room);
	}

	stopTyping(room, user) {
		if (this.typing.get(room)?.delete(user)) this.emit('typing', room);
	}

	typists(room) {
		const map = this.typing.get(room) || new Map();
		for (const [user, until] of map) if (until < Date.now()) map.delete(user);
		return [...map.keys()];
	}

	applyCapabilities(list) {
		this.capabilities = new Set(list);
		this.me.capabilities = list;
		this.emit('me');
		this.emit('rooms');
	}

	// Reading.

	user(id) { return this.users.get(id); }

	displayName(id) {
		if (id === this.me?.user) return this.me.displayName || this.me.username;
		if (id === 'system') return this.server?.name ?? id;
		const user = this.users.get(id);
		return user ? user.displayName || user.username : id;
	}

	userByName(name) {
		const key = name.toLowerCase();
		for (const user of this.users.values()) if (user.username.toLowerCase() === key) return user;
		return null;
	}

	isDirect(room) { return room?.visibility === 'direct'; }

	partner(room) { return room?.members?.find((m) => m !== this.me.user) ?? this.me.user; }

	roomTitle(room) { return !room ? '' : this.isDirect(room) ? this.displayName(this.partner(room)) : room.name; }

	isAnnouncements(room) { return room?.room === ANNOUNCEMENTS; }

	/** Whether Announcements is listed: once the user has received a broadcast. */
	hasAnnouncements() { return this.rooms.get(ANNOUNCEMENTS)?.last != null; }

	/** Rooms (not direct, not Announcements), the general room first, then by name. */
	roomList() {
		return [...this.rooms.values()].filter((r) => !this.isDirect(r) && !this.isAnnouncements(r)).sort((a, b) =>
			(b.room === 'main') - (a.room === 'main') || a.name.localeCompare(b.name));
	}

	directList() {
		return [...this.rooms.values()].filter((r) => this.isDirect(r)).sort((a, b) => b.lastMessageAt - a.lastMessageAt);
	}

	/** Everything in the sidebar's order (for Alt+Up/Down). */
	navigationOrder() {
		return [...(this.hasAnnouncements() ? [this.rooms.get(ANNOUNCEMENTS)] : []), ...this.roomList(), ...this.directList()];
	}

	totalUnread() {
		let n = 0;
		for (const room of this.rooms.values()) n += room.unread;
		return n;
	}

	/** Whether I may moderate a room: its operators and owners, and moderators server-wide. */
	canModerate(room) {
		return Boolean(room) && !this.isDirect(room) && !this.isAnnouncements(room)
			&& (room.role !== 'member' || this.can('moderate') || this.can('administer'));
	}

	canWrite(room) {
		if (!room || this.isAnnouncements(room) || room.archived) return false;
		if (!this.can('sendMessages') || room.mutedUntil > Date.now()) return false;
		return this.can(this.isDirect(room) ? 'directMessages' : 'postToRooms');
	}
}
