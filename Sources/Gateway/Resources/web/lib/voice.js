// Group voice (docs/calls.md): who is in each room's voice and who is heard (the server's `voice`
// and `speaking` frames), and this window's own seat — join, leave, mute, push-to-talk, a
// moderator's actions, and taking the seat again after a reconnect.

import { VoiceMedia, voiceUnavailable } from './voice-media.js';

/** Set to '1' to keep 6 s of what is heard and expose this object as window.causerieVoice (tests). */
const DEBUG_KEY = 'causerie.debug.voice';
/** Set to '1' for the microphone without echo cancellation, noise suppression and gain control. */
const RAW_KEY = 'causerie.voice.raw';
const quietly = () => {};

export class Voice {
	constructor(client) {
		Object.assign(this, { client, rooms: new Map(), asked: new Set(), room: null, media: null, muted: false, pushToTalk: false,
			talking: false, ended: null });
		this.state.on('current', () => this.look(this.state.current));
	}

	get state() { return this.client.state; }
	emit() { this.state.emit('voice'); }

	/** Why this browser cannot join a voice ('insecure', 'no_microphone', 'unsupported'), or null. */
	unavailable() { return voiceUnavailable(); }

	participants(room) { return this.rooms.get(room)?.participants || []; }
	isSpeaking(room, user) { return this.rooms.get(room)?.speaking.has(user) || false; }
	/** Whether the microphone is closed now (muted, or push-to-talk not held). */
	get silent() { return this.muted || (this.pushToTalk && !this.talking); }

	/** A server frame about voice; false if it was not one. */
	frame(frame) {
		switch (frame.type) {
			case 'voice':
				if (frame.participants.length) this.entry(frame.room).participants = frame.participants;
				else this.rooms.delete(frame.room);
				break;
			case 'voiceUpdate': {
				const entry = this.entry(frame.room);
				const others = entry.participants.filter((participant) => participant.user !== frame.user);
				entry.participants = frame.present
					? [...others, { user: frame.user, muted: frame.muted, mutedByModerator: frame.mutedByModerator }]
					: others;
				if (!entry.participants.length) this.rooms.delete(frame.room);
				break;
			}
			case 'speaking':
				this.entry(frame.room).speaking = new Set(frame.users);
				break;
			case 'voiceEnded':
				if (frame.room !== this.room) return true;
				this.ended = frame.reason;
				this.room = null;
				this.stopMedia();
				break;
			default:
				return false;
		}
		this.emit();
		return true;
	}

	/** Who is in a room's voice, asked once per room opened (later changes come as `voiceUpdate`). */
	look(room) {
		if (!room || this.asked.has(room) || !this.state.can('voice')) return;
		this.asked.add(room);
		this.client.request('voiceList', { room }).then((frame) => this.frame(frame)).catch(() => this.asked.delete(room));
	}

	entry(room) {
		if (!this.rooms.has(room)) this.rooms.set(room, { participants: [], speaking: new Set() });
		return this.rooms.get(room);
	}

	async join(room) {
		const why = voiceUnavailable();
		if (why) throw Object.assign(new Error(why), { reason: 'voice_' + why });
		if (this.room === room) return;
		this.stopMedia();
		this.ended = null;
		await this.client.request('voiceJoin', { room });
		this.room = room;
		this.emit();
		try {
			await this.startMedia();
		} catch (error) {
			await this.leave();
			throw Object.assign(error, { reason: error.reason || 'voice_microphone' });
		}
		if (this.silent) this.client.request('voiceMute', { muted: true }).catch(quietly);
		this.emit();
	}

	async startMedia() {
		const debug = localStorage.getItem(DEBUG_KEY) === '1';
		this.media = new VoiceMedia({
			send: (bytes) => this.client.connection.sendBinary(bytes),
			raw: localStorage.getItem(RAW_KEY) === '1',
			tap: debug,
			onFailure: () => { this.ended = 'failed'; this.leave(); },
		});
		if (debug) window.causerieVoice = this;
		await this.media.start();
		this.media.setMuted(this.silent);
	}

	stopMedia() {
		this.media?.stop();
		this.media = null;
	}

	async leave() {
		const room = this.room;
		this.room = null;
		this.stopMedia();
		this.emit();
		if (room) await this.client.request('voiceLeave').catch(quietly);
	}

	setMuted(muted) {
		this.muted = muted;
		this.applySilence();
	}

	setPushToTalk(on) {
		this.pushToTalk = on;
		this.talking = false;
		this.applySilence();
	}

	/** Push-to-talk held (true) or let go. */
	talk(down) {
		if (!this.pushToTalk || this.talking === down) return;
		this.talking = down;
		this.applySilence();
	}

	applySilence() {
		this.media?.setMuted(this.silent);
		if (this.room) this.client.request('voiceMute', { muted: this.silent }).catch(quietly);
		this.emit();
	}

	moderate(room, user, action) {
		return this.client.request('voiceModerate', { room, user, action });
	}

	/** A binary frame: the mix. */
	binary(buffer) {
		this.media?.receive(buffer);
	}

	/** Reconnected: the server gave up our seat when the socket closed; take it again. */
	resumed() {
		this.rooms.clear();
		this.asked.clear();
		this.look(this.state.current);
		if (!this.room) return this.emit();
		const room = this.room;
		this.client.request('voiceJoin', { room })
			.then(() => this.silent && this.client.request('voiceMute', { muted: true }))
			.catch(() => { if (this.room === room) { this.ended = 'failed'; this.room = null; this.stopMedia(); } })
			.finally(() => this.emit());
	}
}
