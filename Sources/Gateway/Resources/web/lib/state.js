// The client's state, folded from the welcome snapshot and the pushed events — the same idea as
// the server's views. No DOM here: views subscribe to topics ('rooms', 'users', 'me', 'server',
// 'timeline', 'typing', 'members', …) and redraw what changed.

import { Timeline } from './timeline.js';

const TYPING_MS = 6000;

export class State {
  constructor() {
    this.me = null;
    this.server = null;
    this.users = new Map();
    this.rooms = new Map();
    this.timelines = new Map();
    this.members = new Map();
    this.typing = new Map();
    this.invitations = new Map();
    this.capabilities = new Set();
    this.current = null;
    this.status = 'connecting';
    // Features the server does not have yet: the left column shows their entries when true.
    this.features = { kanban: false, bulletin: false };
    this.listeners = new Map();
  }

  on(topic, fn) {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic).add(fn);
    return () => this.listeners.get(topic).delete(fn);
  }

  emit(topic, detail) {
    for (const fn of this.listeners.get(topic) || []) fn(detail);
  }

  can(capability) { return this.capabilities.has(capability); }

  // MARK: Snapshot

  /** The welcome: rooms, people and self as of its position. A resume keeps loaded timelines. */
  applyWelcome(data, resumed) {
    this.me = data.me;
    this.server = data.server;
    this.capabilities = new Set(data.me.capabilities);
    this.users = new Map((data.users || []).map((u) => [u.user, u]));
    this.rooms = new Map(data.rooms.map((r) => [r.room, r]));
    for (const id of [...this.timelines.keys()]) {
      if (!resumed || !this.rooms.has(id)) this.timelines.delete(id);
    }
    this.members.clear();
    this.typing.clear();
    for (const topic of ['server', 'me', 'users', 'names', 'rooms', 'members']) this.emit(topic);
    for (const id of this.timelines.keys()) this.emit('timeline', id);
  }

  // MARK: Events

  /** One event frame; `counted` when the welcome's counts already include it. */
  applyEvent(ev, counted) {
    const room = ev.room && this.rooms.get(ev.room);
    const mine = ev.actor === this.me.user;
    switch (ev.kind) {
      case 'message.posted':
        if (room) {
          room.lastMessageAt = Math.max(room.lastMessageAt || 0, ev.time);
          if (ev.author === this.me.user) {
            room.readUpTo = Math.max(room.readUpTo, ev.position);
            room.unread = 0;
            room.mentions = 0;
          } else if (!counted && ev.position > room.readUpTo) {
            room.unread += 1;
            if ((ev.mentions || []).includes(this.me.user)) room.mentions += 1;
          }
          this.stopTyping(ev.room, ev.author);
          this.emit('rooms');
        }
        this.toTimeline(ev);
        this.emit('message', { event: ev, live: !counted, room });
        break;
      case 'message.edited':
      case 'message.deleted':
        this.toTimeline(ev);
        break;
      case 'room.created':
        if (!this.rooms.has(ev.room)) {
          const direct = ev.visibility === 'direct';
          this.rooms.set(ev.room, {
            room: ev.room, name: ev.name, topic: ev.topic, visibility: ev.visibility, hasPassword: ev.hasPassword,
            nonLeavable: ev.nonLeavable, autoJoin: ev.autoJoin, archived: false,
            role: !direct && ev.members[0] === this.me.user ? 'owner' : 'member',
            memberCount: ev.members.length, unread: 0, mentions: 0, readUpTo: 0, lastMessageAt: ev.time,
            mutedUntil: null, members: direct ? ev.members : null,
          });
          this.emit('rooms');
        }
        this.toTimeline(ev);
        break;
      case 'room.renamed': this.patchRoom(ev, { name: ev.name }); break;
      case 'room.topic': this.patchRoom(ev, { topic: ev.topic }); break;
      case 'room.archived': this.patchRoom(ev, { archived: ev.archived }); break;
      case 'room.settings':
        this.patchRoom(ev, { visibility: ev.visibility, hasPassword: ev.hasPassword, nonLeavable: ev.nonLeavable,
          autoJoin: ev.autoJoin });
        break;
      case 'member.joined':
        if (ev.user === this.me.user) {
          this.invitations.delete(ev.room);
          this.emit('invitations');
          if (!room) this.emit('joined', ev.room); // the client fetches the room's summary
        } else if (room && !counted) {
          room.memberCount += 1;
        }
        this.memberChange(ev);
        break;
      case 'member.left':
      case 'member.kicked':
      case 'member.banned':
        if (ev.user === this.me.user) {
          this.rooms.delete(ev.room);
          this.timelines.delete(ev.room);
          this.emit('rooms');
          this.emit('removed', { room: ev.room, name: room?.name, kind: ev.kind, reason: ev.reason, mine });
          return;
        }
        if (room && !counted) room.memberCount = Math.max(0, room.memberCount - 1);
        this.memberChange(ev);
        break;
      case 'member.invited':
        if (ev.user === this.me.user && !room) {
          this.invitations.set(ev.room, { room: ev.room, by: ev.actor, time: ev.time });
          this.emit('invitations');
          this.emit('invited', ev);
        } else {
          this.memberChange(ev);
        }
        break;
      case 'member.muted':
      case 'member.unmuted':
      case 'member.role':
      case 'member.unbanned':
        if (room && ev.user === this.me.user) {
          if (ev.kind === 'member.role') room.role = ev.role;
          if (ev.kind === 'member.muted') room.mutedUntil = ev.until;
          if (ev.kind === 'member.unmuted') room.mutedUntil = null;
          this.emit('rooms');
        }
        this.memberChange(ev);
        break;
      case 'read.marked':
        if (room && ev.upTo > room.readUpTo) this.markedRead(room, ev.upTo);
        break;
      case 'user.registered':
        this.users.set(ev.user, { user: ev.user, username: ev.username, displayName: ev.displayName, email: '',
          phone: '', department: '', disabled: false, bot: ev.bot, presence: 'offline' });
        this.emit('users');
        this.emit('names');
        break;
      case 'user.profile': {
        const fields = { displayName: ev.displayName, email: ev.email, phone: ev.phone, department: ev.department };
        const user = this.users.get(ev.user);
        if (user) Object.assign(user, fields);
        if (ev.user === this.me.user) { Object.assign(this.me, fields); this.emit('me'); }
        this.emit('users');
        this.emit('names');
        break;
      }
      case 'user.disabled':
      case 'user.enabled': {
        const user = this.users.get(ev.user);
        if (user) { user.disabled = ev.kind === 'user.disabled'; this.emit('users'); }
        break;
      }
      case 'user.groups':
        if (ev.user === this.me.user) { this.me.groups = ev.groups; this.emit('me'); }
        break;
      case 'quickphrases.changed':
        this.me.quickPhrases = ev.phrases;
        this.emit('me');
        break;
      case 'password.changed':
        this.me.mustChangePassword = ev.mustChange;
        this.emit('me');
        break;
      case 'settings.changed':
        Object.assign(this.server, { name: ev.serverName, registrationOpen: ev.registrationOpen,
          maxMessageLength: ev.maxMessageLength });
        this.emit('server');
        break;
      case 'broadcast':
        if (!counted) this.emit('broadcast', ev);
        break;
      default:
        this.emit('other', ev);
    }
  }

  toTimeline(ev) {
    const timeline = this.timelines.get(ev.room);
    if (timeline && timeline.live(ev)) this.emit('timeline', ev.room);
  }

  patchRoom(ev, fields) {
    const room = this.rooms.get(ev.room);
    if (room) { Object.assign(room, fields); this.emit('rooms'); }
    this.toTimeline(ev);
  }

  memberChange(ev) {
    this.members.delete(ev.room);
    this.emit('members', ev.room);
    this.toTimeline(ev);
  }

  /** Read up to a position (here or in another tab): recount from the loaded window when it can. */
  markedRead(room, upTo) {
    room.readUpTo = upTo;
    const timeline = this.timelines.get(room.room);
    if (timeline?.atPresent && (!timeline.hasMoreBefore || (timeline.first && timeline.first.position <= upTo))) {
      room.unread = timeline.countAfter(upTo, this.me.user, false);
      room.mentions = timeline.countAfter(upTo, this.me.user, true);
    } else if (!timeline || upTo >= (timeline.lastMessage()?.position ?? 0)) {
      room.unread = 0;
      room.mentions = 0;
    }
    this.emit('rooms');
  }

  // MARK: Frames without a position

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

  /** Who types in a room now (not me). */
  typists(room) {
    const now = Date.now();
    const map = this.typing.get(room);
    if (!map) return [];
    for (const [user, until] of map) if (until < now) map.delete(user);
    return [...map.keys()];
  }

  applyCapabilities(list) {
    this.capabilities = new Set(list);
    this.me.capabilities = list;
    this.emit('me');
    this.emit('rooms');
  }

  // MARK: Reading

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

  /** The other person of a direct conversation. */
  partner(room) {
    return room?.members?.find((m) => m !== this.me.user) ?? this.me.user;
  }

  roomTitle(room) {
    if (!room) return '';
    return this.isDirect(room) ? this.displayName(this.partner(room)) : room.name;
  }

  /** Rooms (not direct), the general room first, then by name. */
  roomList() {
    return [...this.rooms.values()].filter((r) => !this.isDirect(r)).sort((a, b) =>
      (b.room === 'main') - (a.room === 'main') || a.name.localeCompare(b.name));
  }

  /** Direct conversations, most recent first. */
  directList() {
    return [...this.rooms.values()].filter((r) => this.isDirect(r))
      .sort((a, b) => (b.lastMessageAt || 0) - (a.lastMessageAt || 0));
  }

  /** Everything in the sidebar's order (for Alt+Up/Down). */
  navigationOrder() { return [...this.roomList(), ...this.directList()]; }

  totalUnread() {
    let n = 0;
    for (const room of this.rooms.values()) n += room.unread;
    return n;
  }

  /** Whether I may moderate a room: its operators and owners, and moderators server-wide. */
  canModerate(room) {
    return Boolean(room) && !this.isDirect(room)
      && (room.role === 'operator' || room.role === 'owner' || this.can('moderate') || this.can('administer'));
  }

  /** Whether I may write in a room now. */
  canWrite(room) {
    if (!room || room.archived || !this.can('sendMessages')) return false;
    if (room.mutedUntil && room.mutedUntil > Date.now()) return false;
    return this.isDirect(room) ? this.can('directMessages') : this.can('postToRooms');
  }
}
