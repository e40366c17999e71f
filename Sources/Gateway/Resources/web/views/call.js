// One-to-one calls on screen (docs/calls.md): the call buttons of a direct conversation's header,
// the incoming call (with a ring and a desktop notification), and the call panel — the other
// person's video (or their initials), our preview, how long it has lasted, microphone, camera,
// screen sharing, devices, hang up.

import { h, fill, coalesce } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { notify } from '../lib/notify.js';
import { avatar, errorText, iconButton, toast } from './ui.js';

/** The header's two call buttons for a direct conversation (nothing elsewhere, or without the right). */
export function callButtons(client, room) {
	const { state, calls } = client;
	if (!room || !state.isDirect(room) || !state.can('voice')) return [];
	const partner = state.partner(room);
	if (partner === state.me.user) return [];
	const start = (video) => () => {
		const why = calls.unavailable();
		if (why) return toast(t('voice.unavailable.' + why), 'error');
		calls.start(partner, video).catch((error) => toast(errorText(error), 'error'));
	};
	const busy = Boolean(calls.current);
	return [
		iconButton('phone', t('call.audio'), start(false), { 'data-action': 'call-audio', disabled: busy }),
		state.can('video') && iconButton('video', t('call.video'), start(true), { 'data-action': 'call-video', disabled: busy }),
	];
}

export function createCalls(client) {
	const { state, calls } = client;
	const el = h('div.calls');
	const remoteVideo = h('video.call-remote', { autoplay: true, playsInline: true });
	const localVideo = h('video.call-local', { autoplay: true, playsInline: true, muted: true });
	localVideo.muted = true; // our own voice never plays back here
	const clock = h('span.call-clock');
	let ringing = null;
	let lastIncoming = new Set();

	const incomingCard = (frame) => {
		const name = state.displayName(frame.caller);
		return h('div.call-incoming', { role: 'alertdialog', 'aria-label': t('call.incoming', { name }), 'data-call': frame.call },
			avatar(frame.caller, name, 'large'),
			h('div.call-who', h('strong', { dir: 'auto' }, name), h('span', t(frame.video ? 'call.incomingVideo' : 'call.incomingAudio'))),
			h('div.call-actions',
				h('button.button.primary', { 'data-action': 'call-accept', onclick: () => answer(frame.call, false) }, icon('phone'),
					t('call.accept')),
				frame.video && h('button.button.primary', { 'data-action': 'call-accept-video', onclick: () => answer(frame.call, true) },
					icon('video'), t('call.acceptVideo')),
				h('button.button.danger', { 'data-action': 'call-decline', onclick: () => calls.decline(frame.call) }, t('call.decline'))));
	};

	// Answering opens the conversation with the caller: the call's line lands there, and a chat beside it.
	const answer = (id, video) => {
		const room = calls.incoming.get(id)?.room;
		if (room && state.rooms.has(room)) client.openRoom(room);
		calls.answer(id, video).catch((error) => toast(errorText(error), 'error'));
	};

	const panel = () => {
		const call = calls.current;
		const name = state.displayName(call.peer);
		const hasRemoteVideo = calls.remote?.getVideoTracks().some((track) => track.readyState === 'live' && !track.muted);
		const status = call.phase === 'active' ? clock : h('span', t(call.outgoing ? 'call.calling' : 'call.connecting'));
		return h('section.call-panel', { 'aria-label': t('call.with', { name }), 'data-phase': call.phase },
			h('div.call-stage', remoteVideo, !hasRemoteVideo && h('div.call-avatar', avatar(call.peer, name, 'large')), localVideo),
			h('div.call-bar',
				h('div.call-who', h('strong', { dir: 'auto' }, name), status),
				h('div.call-actions',
					iconButton(call.micOn ? 'mic' : 'micOff', t('call.microphone'), () => calls.setMic(!call.micOn),
						{ 'data-action': 'call-mic', 'aria-pressed': String(call.micOn), 'data-off': !call.micOn }),
					state.can('video') && iconButton('video', t('call.camera'),
						() => calls.setCamera(!call.cameraOn).catch((error) => toast(errorText(error), 'error')),
						{ 'data-action': 'call-camera', 'aria-pressed': String(Boolean(call.cameraOn)), 'data-off': !call.cameraOn }),
					navigator.mediaDevices?.getDisplayMedia && call.phase === 'active' && iconButton('screen',
						t(calls.sharing ? 'call.stopSharing' : 'call.share'),
						() => (calls.sharing ? calls.stopSharing() : calls.shareScreen()).catch((error) => toast(errorText(error), 'error')),
						{ 'data-action': 'call-share', 'aria-pressed': String(Boolean(calls.sharing)) }),
					devices(),
					h('button.button.danger.call-hangup', { 'data-action': 'call-hangup', onclick: () => calls.hangUp() }, icon('phone'),
						t('call.hangUp')))));
	};

	// The microphone and camera lists, filled when opened (labels need the permission the call has).
	const devices = () => {
		const lists = h('div.call-devices');
		const details = h('details.call-device-menu', h('summary', t('call.devices')), lists);
		details.addEventListener('toggle', async () => {
			if (!details.open) return;
			const found = await navigator.mediaDevices.enumerateDevices();
			fill(lists, ...['audioinput', 'videoinput'].map((kind) => h('label', t('call.' + kind),
				h('select', { onchange: (event) => calls.useDevice(kind, event.target.value).catch((error) => toast(errorText(error), 'error')) },
					...found.filter((device) => device.kind === kind).map((device, index) =>
						h('option', { value: device.deviceId }, device.label || `${kind} ${index + 1}`))))));
		});
		return details;
	};

	const draw = coalesce(() => {
		const incoming = [...calls.incoming.values()];
		fill(el, ...incoming.map(incomingCard), calls.current && panel());
		if (calls.current) {
			if (localVideo.srcObject !== calls.local) localVideo.srcObject = calls.local || null;
			if (remoteVideo.srcObject !== calls.remote) remoteVideo.srcObject = calls.remote || null;
		}
		// Ring while something rings here and we are not in a call; a notification for each new one.
		const rings = incoming.length > 0 && !calls.current;
		if (rings && !ringing) ringing = ring();
		if (!rings && ringing) { ringing.stop(); ringing = null; }
		for (const frame of incoming) {
			if (!lastIncoming.has(frame.call)) notify(t('call.incoming', { name: state.displayName(frame.caller) }), '', 'call-' + frame.call);
		}
		lastIncoming = new Set(incoming.map((frame) => frame.call));
	});

	setInterval(() => {
		const call = calls.current;
		if (call?.phase === 'active') clock.textContent = duration((Date.now() - call.since) / 1000);
	}, 500);

	let shownEnd = null;
	state.on('call', () => {
		draw();
		const ended = calls.lastEnded;
		if (ended && ended !== shownEnd && ended.reason && ended.reason !== 'hangUp' && ended.reason !== 'answeredElsewhere') {
			toast(t('call.ended.' + ended.reason), 'info');
		}
		shownEnd = ended;
	});
	return { el };
}

/** "2:05", "1:02:05". */
export function duration(seconds) {
	const s = Math.floor(seconds);
	const two = (n) => String(n).padStart(2, '0');
	return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/** A soft two-tone ring every 2 s, made by the page (no sound file to fetch). */
function ring() {
	let context = null;
	const beep = () => {
		try {
			context ??= new AudioContext();
			for (const [start, hertz] of [[0, 660], [0.25, 550]]) {
				const oscillator = new OscillatorNode(context, { frequency: hertz });
				const gain = new GainNode(context, { gain: 0.08 });
				oscillator.connect(gain).connect(context.destination);
				oscillator.start(context.currentTime + start);
				oscillator.stop(context.currentTime + start + 0.2);
			}
		} catch { /* no audio output: the card and the notification remain */ }
	};
	beep();
	const timer = setInterval(beep, 2000);
	return { stop: () => { clearInterval(timer); context?.close().catch(() => {}); } };
}
