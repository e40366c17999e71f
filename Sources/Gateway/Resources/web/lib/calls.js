// One-to-one calls in the browser (docs/calls.md): the server rings and relays signalling; the
// media goes browser to browser over WebRTC (host candidates on the LAN). One call at a time.
//
// Both sides make an audio and a video transceiver whatever the call, so that turning the camera
// on, or sharing the screen, replaces a track without renegotiating. The caller makes the offer
// once the call is answered; ICE candidates that arrive before the remote description wait.

import { voiceUnavailable } from './voice-media.js';

const quietly = () => {};

export class Calls {
	constructor(client) {
		Object.assign(this, { client, current: null, incoming: new Map() });
		// A test's view of the peer connection (getStats), when asked for.
		if (localStorage.getItem('causerie.debug.calls') === '1') window.causerieCalls = this;
	}

	get state() { return this.client.state; }
	emit() { this.state.emit('call'); }
	unavailable() { return voiceUnavailable(); }

	/** A server frame about calls; false if it was not one. */
	frame(frame) {
		if (frame.type === 'callSignal') {
			if (this.current?.id !== frame.call) return true;
			// The other side's text: what does not parse ends nothing but itself.
			let message;
			try { message = JSON.parse(frame.signal); } catch { return true; }
			if (message && typeof message === 'object') this.signal(message).catch((error) => this.fail(error));
			return true;
		}
		if (frame.type !== 'call') return false;
		// Our own call, before the reply that names it (a busy or unreachable call ends at once).
		const current = this.current;
		if (current && !current.id && current.outgoing && frame.caller === this.state.me.user && frame.callee === current.peer) {
			current.id = frame.call;
		}
		const mine = current?.id === frame.call;
		if (frame.state === 'ringing' && frame.callee === this.state.me.user && !mine) {
			this.incoming.set(frame.call, frame);
		} else if (frame.state === 'active' && mine) {
			this.current.phase = 'active';
			this.current.since = Date.now();
			this.connect().catch((error) => this.fail(error));
		} else if (frame.state === 'ended') {
			this.incoming.delete(frame.call);
			if (mine) this.finish(frame.reason);
			else this.lastEnded = { call: frame.call, reason: frame.reason, frame };
		}
		this.emit();
		return true;
	}

	/** Rings `user` (opening the direct conversation first). */
	async start(user, video) {
		if (this.current) throw Object.assign(new Error('busy'), { reason: 'already_in_call' });
		const why = voiceUnavailable();
		if (why) throw Object.assign(new Error(why), { reason: 'voice_' + why });
		this.current = { id: null, peer: user, video, phase: 'calling', outgoing: true, micOn: true, cameraOn: video };
		this.emit();
		try {
			await this.media(video);
			const reply = await this.client.request('call', { user, video });
			if (this.current && !this.current.id) this.current.id = reply.call;
		} catch (error) {
			this.finish(null);
			throw error;
		}
		this.emit();
	}

	/** Answers a ringing call on this device, with the camera or not. */
	async answer(id, video) {
		const ringing = this.incoming.get(id);
		if (!ringing || this.current) return;
		this.incoming.delete(id);
		this.current = { id, peer: ringing.caller, video: ringing.video, phase: 'answering', outgoing: false, micOn: true,
			cameraOn: video };
		this.emit();
		try {
			await this.media(video);
			await this.client.request('callAnswer', { call: id });
		} catch (error) {
			this.client.request('callEnd', { call: id }).catch(quietly);
			this.finish(null);
			throw error;
		}
	}

	decline(id) {
		this.incoming.delete(id);
		this.emit();
		return this.client.request('callEnd', { call: id }).catch(quietly);
	}

	hangUp() {
		const id = this.current?.id;
		this.finish('hangUp');
		if (id) this.client.request('callEnd', { call: id }).catch(quietly);
	}

	async media(video) {
		this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: video ? { width: 1280, height: 720 } : false });
		this.camera = this.local.getVideoTracks()[0] || null;
	}

	/** Answered: the peer connection, our tracks on it; the caller offers. */
	async connect() {
		const call = this.current;
		const pc = (this.pc = new RTCPeerConnection({ iceServers: this.state.iceServers || [] }));
		this.pending = [];
		this.remote = new MediaStream();
		// The caller makes the two transceivers; the one called takes those the offer brings.
		if (call.outgoing) {
			const audio = this.local.getAudioTracks()[0] || 'audio';
			this.audioSender = pc.addTransceiver(audio, { direction: 'sendrecv', streams: [this.local] }).sender;
			this.videoSender = pc.addTransceiver(this.camera || 'video', { direction: 'sendrecv', streams: [this.local] }).sender;
		}
		pc.ontrack = ({ track }) => {
			this.remote.addTrack(track);
			// Video that starts or stops (the other side's camera, a shared screen) redraws the panel.
			track.onunmute = track.onmute = () => this.emit();
			this.emit();
		};
		pc.onicecandidate = ({ candidate }) => candidate && this.send({ type: 'candidate', candidate: candidate.toJSON() });
		pc.onconnectionstatechange = () => {
			if (pc.connectionState === 'failed') this.fail(new Error('ice_failed'));
			this.emit();
		};
		if (call.outgoing) {
			await pc.setLocalDescription(await pc.createOffer());
			this.send({ type: 'offer', sdp: pc.localDescription.sdp });
		}
		this.emit();
	}

	send(message) {
		if (!this.current?.id) return;
		this.client.request('callSignal', { call: this.current.id, signal: JSON.stringify(message) }).catch(quietly);
	}

	async signal(message) {
		const pc = this.pc;
		if (!pc) return;
		if (message.type === 'offer' || message.type === 'answer') {
			await pc.setRemoteDescription({ type: message.type, sdp: message.sdp });
			for (const candidate of this.pending.splice(0)) await pc.addIceCandidate(candidate).catch(quietly);
			if (message.type === 'offer') {
				// Our tracks on the offer's transceivers, sending both ways (so that a camera turned
				// on later, or a shared screen, needs no new offer).
				for (const transceiver of pc.getTransceivers()) {
					const kind = transceiver.receiver.track.kind;
					transceiver.direction = 'sendrecv';
					await transceiver.sender.replaceTrack(kind === 'audio' ? this.local.getAudioTracks()[0] || null : this.camera);
					transceiver.sender.setStreams?.(this.local);
					if (kind === 'audio') this.audioSender = transceiver.sender;
					else this.videoSender = transceiver.sender;
				}
				await pc.setLocalDescription(await pc.createAnswer());
				this.send({ type: 'answer', sdp: pc.localDescription.sdp });
			}
		} else if (message.type === 'candidate') {
			if (pc.remoteDescription) await pc.addIceCandidate(message.candidate).catch(quietly);
			else this.pending.push(message.candidate);
		}
	}

	setMic(on) {
		for (const track of this.local?.getAudioTracks() || []) track.enabled = on;
		if (this.current) this.current.micOn = on;
		this.emit();
	}

	/** The camera on or off (turned on in an audio call, it is asked for then). */
	async setCamera(on) {
		if (!this.current) return;
		if (on && !this.camera) {
			const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
			this.camera = stream.getVideoTracks()[0];
			this.local.addTrack(this.camera);
		}
		if (this.camera) this.camera.enabled = on;
		if (!this.sharing) await this.videoSender?.replaceTrack(on ? this.camera : null);
		this.current.cameraOn = on;
		this.emit();
	}

	/** Shares the screen in place of the camera (no renegotiation), until stopped here or by the browser. */
	async shareScreen() {
		if (!this.current || this.sharing) return;
		const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
		this.sharing = display.getVideoTracks()[0];
		this.sharing.onended = () => this.stopSharing();
		await this.videoSender?.replaceTrack(this.sharing);
		this.emit();
	}

	async stopSharing() {
		if (!this.sharing) return;
		this.sharing.stop();
		this.sharing = null;
		await this.videoSender?.replaceTrack(this.current?.cameraOn ? this.camera : null);
		this.emit();
	}

	/** Another microphone or camera, chosen in the call. */
	async useDevice(kind, deviceId) {
		const stream = await navigator.mediaDevices.getUserMedia(kind === 'audioinput'
			? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } });
		const track = stream.getTracks()[0];
		const old = kind === 'audioinput' ? this.local.getAudioTracks()[0] : this.camera;
		if (old) { this.local.removeTrack(old); old.stop(); }
		this.local.addTrack(track);
		if (kind === 'audioinput') {
			track.enabled = this.current?.micOn ?? true;
			await this.audioSender?.replaceTrack(track);
		} else {
			this.camera = track;
			track.enabled = this.current?.cameraOn ?? true;
			if (!this.sharing) await this.videoSender?.replaceTrack(track);
		}
		this.emit();
	}

	fail(error) {
		console.warn('call failed', error);
		this.hangUp();
	}

	/** The call is over here: tracks stopped, the connection closed; `reason` for the screen. */
	finish(reason) {
		if (this.current) this.lastEnded = { call: this.current.id, reason, peer: this.current.peer };
		for (const track of this.local?.getTracks() || []) track.stop();
		this.sharing?.stop();
		this.pc?.close();
		Object.assign(this, { current: null, pc: null, local: null, camera: null, sharing: null, remote: null, pending: [] });
		this.emit();
	}

	/** Reconnected: a call's connection was lost with the socket, and the server ended it. */
	resumed() {
		this.incoming.clear();
		if (this.current) this.finish('disconnected');
	}
}
