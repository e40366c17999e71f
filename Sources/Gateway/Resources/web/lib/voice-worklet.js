// Audio worklets of group voice (docs/calls.md). A real same-origin file: the page's CSP allows
// no blob: or data: modules.
//
// causerie-capture: the microphone's samples, posted to the page in 20 ms frames (960 samples at
// 48 kHz), which the page encodes as Opus.
// causerie-player: the mix the server sends, decoded by the page, played with a small adaptive
// buffer: playing starts once 40 ms wait; past 100 ms waiting (the network sent a burst) the
// oldest is dropped down to 60 ms, so the delay never grows; an underrun plays silence and
// waits for 40 ms again.

const FRAME = 960;

class Capture extends AudioWorkletProcessor {
	constructor() {
		super();
		this.frame = new Float32Array(FRAME);
		this.filled = 0;
	}

	process(inputs) {
		const input = inputs[0]?.[0];
		if (!input) return true;
		let offset = 0;
		while (offset < input.length) {
			const count = Math.min(input.length - offset, FRAME - this.filled);
			this.frame.set(input.subarray(offset, offset + count), this.filled);
			this.filled += count;
			offset += count;
			if (this.filled === FRAME) {
				this.port.postMessage(this.frame, [this.frame.buffer]);
				this.frame = new Float32Array(FRAME);
				this.filled = 0;
			}
		}
		return true;
	}
}

class Player extends AudioWorkletProcessor {
	constructor() {
		super();
		this.queue = [];
		this.queued = 0;
		this.offset = 0;
		this.playing = false;
		this.underruns = 0;
		this.dropped = 0;
		const ms = (milliseconds) => Math.round(milliseconds * sampleRate / 1000);
		this.start = ms(40);
		this.most = ms(100);
		this.trimTo = ms(60);
		this.port.onmessage = ({ data }) => {
			if (data === 'stats') {
				this.port.postMessage({ queued: this.queued - this.offset, underruns: this.underruns, dropped: this.dropped });
				return;
			}
			this.queue.push(data);
			this.queued += data.length;
			while (this.queued - this.offset > this.most && this.queue.length > 1) {
				const oldest = this.queue.shift();
				this.queued -= oldest.length;
				this.dropped += oldest.length - this.offset;
				this.offset = 0;
				if (this.queued <= this.trimTo) break;
			}
		};
	}

	process(_, outputs) {
		const output = outputs[0][0];
		if (!this.playing) {
			if (this.queued - this.offset < this.start) return true;
			this.playing = true;
		}
		let written = 0;
		while (written < output.length && this.queue.length) {
			const head = this.queue[0];
			const count = Math.min(output.length - written, head.length - this.offset);
			output.set(head.subarray(this.offset, this.offset + count), written);
			written += count;
			this.offset += count;
			if (this.offset === head.length) {
				this.queue.shift();
				this.queued -= head.length;
				this.offset = 0;
			}
		}
		if (written < output.length) {
			this.playing = false;
			this.underruns += 1;
		}
		for (let channel = 1; channel < outputs[0].length; channel += 1) outputs[0][channel].set(output);
		return true;
	}
}

registerProcessor('causerie-capture', Capture);
registerProcessor('causerie-player', Player);
