// Group voice's media in the browser (docs/calls.md): the microphone captured by an AudioWorklet
// in 20 ms frames, encoded as Opus by WebCodecs and handed to `send`; the server's mix decoded by
// WebCodecs and played by a worklet with a small adaptive buffer (lib/voice-worklet.js).

const RATE = 48000;
const FRAME = 960;
const FROM_CLIENT = 1;
const TO_CLIENT = 2;
/** Decoded audio kept for a test's ears (localStorage causerie.debug.voice), in frames: 6 s. */
const TAP_FRAMES = 300;

/** Why voice cannot work in this browser, or null. Browsers give the microphone and WebCodecs
 *  only to secure contexts: on http:// at a LAN address they are simply absent. */
export function voiceUnavailable() {
	if (!window.isSecureContext) return 'insecure';
	if (!navigator.mediaDevices?.getUserMedia) return 'no_microphone';
	if (typeof AudioEncoder === 'undefined' || typeof AudioDecoder === 'undefined' || typeof AudioWorkletNode === 'undefined') {
		return 'unsupported';
	}
	return null;
}

export class VoiceMedia {
	/** send(ArrayBuffer): a packet for the server. raw: no echo cancellation, noise suppression or gain control. */
	constructor({ send, raw = false, tap = false, onFailure = () => {} }) {
		Object.assign(this, { send, raw, onFailure, muted: false, sequence: 0, encoded: 0, decoded: 0, queued: 0 });
		this.heard = tap ? [] : null;
		// With the tap, clicks are timed where they are spoken and where they are heard (epoch ms):
		// mouth-to-ear latency across two pages of one machine (Tests/Browser/voice_steps.py).
		this.clicks = tap ? { spoken: new OnsetFinder(), heard: new OnsetFinder() } : null;
	}

	async start() {
		const context = (this.context = new AudioContext({ sampleRate: RATE, latencyHint: 'interactive' }));
		await context.audioWorklet.addModule(new URL('./voice-worklet.js', import.meta.url));
		this.stream = await navigator.mediaDevices.getUserMedia({ audio: {
			channelCount: 1, echoCancellation: !this.raw, noiseSuppression: !this.raw, autoGainControl: !this.raw } });
		this.encoder = new AudioEncoder({ output: (chunk) => this.packet(chunk), error: (error) => this.fail(error) });
		this.encoder.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 1, bitrate: 32000,
			opus: { frameDuration: 20000, application: 'voip' } });
		this.decoder = new AudioDecoder({ output: (data) => this.play(data), error: (error) => this.fail(error) });
		this.decoder.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 1 });

		this.capture = new AudioWorkletNode(context, 'causerie-capture', { numberOfOutputs: 1, outputChannelCount: [1] });
		this.capture.port.onmessage = ({ data }) => this.encode(data);
		// A worklet is only run when something pulls it: through a silent gain to the speakers.
		const silent = new GainNode(context, { gain: 0 });
		context.createMediaStreamSource(this.stream).connect(this.capture).connect(silent).connect(context.destination);
		this.player = new AudioWorkletNode(context, 'causerie-player', { numberOfInputs: 0, numberOfOutputs: 1,
			outputChannelCount: [1] });
		this.player.connect(context.destination);
		// How much waits in the player, for the tap's timing.
		this.player.port.onmessage = ({ data }) => { this.queued = data.queued; };
		if (this.heard) this.statsTimer = setInterval(() => this.player?.port.postMessage('stats'), 50);
		if (context.state === 'suspended') await context.resume().catch(() => {});
	}

	encode(samples) {
		if (this.muted || this.encoder?.state !== 'configured') return;
		// The frame's last sample was captured about now (less the input's latency).
		if (this.clicks) this.clicks.spoken.scan(samples, Date.now() - (this.context.baseLatency || 0) * 1000);
		const data = new AudioData({ format: 'f32-planar', sampleRate: RATE, numberOfFrames: FRAME, numberOfChannels: 1,
			timestamp: this.encoded * 20000, data: samples });
		this.encoded += 1;
		this.encoder.encode(data);
		data.close();
	}

	/** An Opus packet: `0x01`, the 16-bit sequence, the packet (docs/protocol.md, "Voice"). */
	packet(chunk) {
		const bytes = new Uint8Array(3 + chunk.byteLength);
		bytes[0] = FROM_CLIENT;
		bytes[1] = this.sequence >> 8;
		bytes[2] = this.sequence & 0xff;
		chunk.copyTo(bytes.subarray(3));
		this.sequence = (this.sequence + 1) & 0xffff;
		this.send(bytes.buffer);
	}

	/** A binary frame from the server: the mix, to decode and play. */
	receive(buffer) {
		const bytes = new Uint8Array(buffer);
		if (bytes.length < 4 || bytes[0] !== TO_CLIENT || this.decoder?.state !== 'configured') return;
		this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: this.decoded * 20000, data: bytes.subarray(3) }));
		this.decoded += 1;
	}

	play(data) {
		const samples = new Float32Array(data.numberOfFrames);
		data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
		data.close();
		if (this.heard) {
			this.heard.push(samples.slice());
			if (this.heard.length > TAP_FRAMES) this.heard.shift();
			// This frame plays once what is queued before it has played, plus the output's latency.
			const ahead = (this.queued / RATE + (this.context.outputLatency || 0) + (this.context.baseLatency || 0)) * 1000;
			this.clicks.heard.scan(samples, Date.now() + ahead + (FRAME / RATE) * 1000);
		}
		this.player?.port.postMessage(samples, [samples.buffer]);
	}

	/** What was heard in the last `seconds` (a test's ears; empty unless tapped). */
	recent(seconds) {
		const frames = (this.heard || []).slice(-Math.round(seconds * 50));
		const out = new Float32Array(frames.length * FRAME);
		frames.forEach((frame, index) => out.set(frame, index * FRAME));
		return out;
	}

	setMuted(muted) {
		this.muted = muted;
		for (const track of this.stream?.getAudioTracks() || []) track.enabled = !muted;
	}

	fail(error) {
		this.onFailure(error);
	}

	stop() {
		clearInterval(this.statsTimer);
		for (const track of this.stream?.getTracks() || []) track.stop();
		for (const codec of [this.encoder, this.decoder]) if (codec && codec.state !== 'closed') codec.close();
		this.context?.close().catch(() => {});
		this.encoder = this.decoder = this.player = this.capture = null;
	}
}

/** Finds clicks (a sound rising above 0.2 after 200 ms of near silence) in a stream of frames,
 *  and when each happened: `end` is the time of the frame's last sample, in epoch ms. */
class OnsetFinder {
	constructor() {
		this.quiet = 0;
		this.calmBefore = 0;
		this.times = [];
	}

	scan(samples, end) {
		for (let index = 0; index < samples.length; index += 1) {
			const level = Math.abs(samples[index]);
			if (level < 0.05) {
				this.quiet += 1;
				continue;
			}
			// A sound begins: how long the silence before it lasted.
			if (this.quiet > 0) {
				this.calmBefore = this.quiet;
				this.quiet = 0;
			}
			if (level > 0.2 && this.calmBefore >= 0.2 * RATE) {
				this.times.push(end - ((samples.length - 1 - index) / RATE) * 1000);
				this.calmBefore = 0;
			}
		}
		if (this.times.length > 100) this.times.shift();
	}
}
