// Group voice in the conversation (docs/calls.md): the header's "Join voice" button (with how
// many are in), and, while this window is in a voice, the bar under the header — who is in it and
// who speaks, mute, push-to-talk (hold the button, or Space outside a text field), leave; a room's
// operators mute, unmute or take someone out from there.

import { h, fill, coalesce } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { avatar, errorText, iconButton, toast } from './ui.js';

/** The header's voice button for `room`, or nothing where voice does not apply. */
export function voiceButton(client, room) {
	const { state, voice } = client;
	if (!room || state.isDirect(room) || state.isAnnouncements(room) || !state.can('voice')) return null;
	const inside = voice.room === room.room;
	const count = voice.participants(room.room).length;
	const why = voice.unavailable();
	const label = why ? t('voice.unavailable.' + why) : inside ? t('voice.leave') : t('voice.join');
	const button = h('button.icon-button.voice-join', {
		'aria-label': label, title: label, 'aria-pressed': String(inside), 'data-action': 'voice',
		'aria-disabled': why ? 'true' : null, class: 'icon-button voice-join' + (count ? ' voice-busy' : ''),
		onclick: () => {
			if (why) return toast(t('voice.unavailable.' + why), 'error');
			(inside ? voice.leave() : voice.join(room.room)).catch((error) => toast(errorText(error), 'error'));
		},
	}, icon('headset'), count ? h('span.voice-count', { 'aria-hidden': 'true' }, String(count)) : null);
	return button;
}

/** The bar shown while this window is in a voice. */
export function createVoiceBar(client) {
	const { state, voice } = client;
	const el = h('section.voice-bar', { hidden: true, 'aria-label': t('voice.bar') });

	const person = (room, participant) => {
		const name = state.displayName(participant.user);
		const speaking = voice.isSpeaking(room.room, participant.user);
		const mine = participant.user === state.me?.user;
		const moderate = state.canModerate(room) && !mine;
		return h('li', { class: 'voice-person' + (speaking ? ' speaking' : ''), 'data-user': participant.user,
			'data-speaking': String(speaking) },
		avatar(participant.user, name, 'small'),
		h('span.voice-name', { dir: 'auto' }, name),
		participant.muted && h('span.voice-muted', { role: 'img', 'aria-label': t(participant.mutedByModerator ? 'voice.mutedByModerator'
			: 'voice.muted'), title: t(participant.mutedByModerator ? 'voice.mutedByModerator' : 'voice.muted') }, icon('micOff')),
		moderate && iconButton(participant.mutedByModerator ? 'mic' : 'micOff',
			t(participant.mutedByModerator ? 'voice.unmuteThem' : 'voice.muteThem', { name }),
			() => voice.moderate(room.room, participant.user, participant.mutedByModerator ? 'unmute' : 'mute')
				.catch((error) => toast(errorText(error), 'error')), { 'data-action': 'voice-moderate' }),
		moderate && iconButton('close', t('voice.kick', { name }),
			() => voice.moderate(room.room, participant.user, 'kick').catch((error) => toast(errorText(error), 'error')),
			{ 'data-action': 'voice-kick' }));
	};

	const draw = coalesce(() => {
		const room = voice.room && state.rooms.get(voice.room);
		el.hidden = !room;
		if (!room) return fill(el);
		const talk = (down) => voice.talk(down);
		fill(el,
			h('div.voice-where', icon('headset'), h('span', { dir: 'auto' }, t('voice.in', { room: state.roomTitle(room) }))),
			h('ul.voice-people', { 'aria-label': t('voice.people') },
				...voice.participants(room.room).map((participant) => person(room, participant))),
			h('div.voice-tools',
				h('button', { class: 'button voice-mute' + (voice.muted ? ' on' : ''), 'aria-pressed': String(voice.muted),
					onclick: () => voice.setMuted(!voice.muted) }, icon(voice.muted ? 'micOff' : 'mic'),
				t(voice.muted ? 'voice.unmute' : 'voice.mute')),
				h('label.voice-ptt', h('input', { type: 'checkbox', checked: voice.pushToTalk,
					onchange: (event) => voice.setPushToTalk(event.target.checked) }), t('voice.pushToTalk')),
				voice.pushToTalk && h('button', { class: 'button voice-talk' + (voice.talking ? ' on' : ''),
					onpointerdown: () => talk(true), onpointerup: () => talk(false), onpointerleave: () => talk(false) },
				t('voice.holdToTalk')),
				h('button.button.danger.voice-leave', { onclick: () => voice.leave() }, icon('phone'), t('voice.leave'))));
	});

	// Push-to-talk on Space, except while typing somewhere.
	const typing = (target) => target?.closest?.('input, textarea, select, [contenteditable="true"]');
	document.addEventListener('keydown', (event) => {
		if (event.code === 'Space' && voice.pushToTalk && voice.room && !typing(event.target)) {
			event.preventDefault();
			voice.talk(true);
		}
	});
	document.addEventListener('keyup', (event) => event.code === 'Space' && voice.talk(false));

	let endedShown = null;
	state.on('voice', () => {
		draw();
		if (voice.ended && voice.ended !== endedShown) toast(t('voice.ended.' + voice.ended), 'error');
		endedShown = voice.ended;
	});
	for (const topic of ['rooms', 'users']) state.on(topic, draw);
	return { el };
}
