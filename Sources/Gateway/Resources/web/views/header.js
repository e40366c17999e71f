// The top of the conversation: its title and topic (or the person's presence), the tools, the
// connection banner; and the typing line under the messages.

import { h, fill, coalesce } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { iconButton } from './ui.js';
import { voiceButton } from './voice.js';
import { callButtons } from './call.js';

export function createHeader(client, { onMenu, onJump, onDetails, onFiles, search }) {
	const state = client.state;
	// The room's part is redrawn often (unread counts, names); the search box is not in it, so
	// that typing there never loses the focus.
	const body = h('div.conv-head-body');
	const el = h('header.conv-head', body, search);
	const banner = h('div.banner', { role: 'status', hidden: true });
	const typing = h('div.typing', { 'aria-live': 'polite' });
	let typingTimer = null;

	const title = (iconName, text, topic) => h('div.conv-title',
		h('h2', { id: 'conv-title', dir: 'auto' }, iconName && h('span.conv-hash', { 'aria-hidden': 'true' }, icon(iconName)), text),
		h('p.conv-topic', { dir: 'auto', title: topic }, topic));

	const draw = coalesce(() => {
		const room = state.rooms.get(state.current);
		if (!room) return fill(body);
		const direct = state.isDirect(room);
		// Announcements has no members: no members button (and no panel, see the shell).
		const announcements = state.isAnnouncements(room);
		fill(body,
			iconButton('menu', t('header.rooms'), onMenu, { class: 'only-narrow' }),
			announcements ? title('megaphone', t('announcements.title'), t('announcements.topic'))
				: direct ? title(null, state.roomTitle(room), t('presence.' + (state.user(state.partner(room))?.presence || 'offline')))
					: title(room.visibility === 'private' || room.hasPassword ? 'lock' : 'hash', state.roomTitle(room), room.topic),
			h('div.conv-tools',
				voiceButton(client, room),
				...callButtons(client, room),
				iconButton('calendar', t('header.jump'), () => onJump(room.room), { 'data-action': 'jump' }),
				!announcements && iconButton('folder', t('header.files'), () => onFiles(room.room), { 'data-action': 'files' }),
				!announcements && iconButton('people', t(direct ? 'header.profile' : 'header.members'), onDetails,
					{ 'data-action': 'details' })));
	});

	const drawBanner = () => {
		banner.hidden = state.status === 'online';
		banner.className = 'banner banner-' + state.status;
		fill(banner, h('span', t(state.status === 'offline' ? 'status.offline' : 'status.connecting')),
			state.status === 'offline' && h('button.link', { onclick: () => client.connection.reconnectNow() }, t('status.retryNow')));
	};

	const drawTyping = () => {
		const names = state.typists(state.current).map((id) => state.displayName(id));
		typing.textContent = !names.length ? '' : names.length === 1 ? t('typing.one', { name: names[0] })
			: names.length === 2 ? t('typing.two', { a: names[0], b: names[1] }) : t('typing.many', { count: names.length });
		clearTimeout(typingTimer);
		if (names.length) typingTimer = setTimeout(drawTyping, 1000); // typing expires by itself
	};

	for (const topic of ['rooms', 'current', 'users', 'voice', 'call']) state.on(topic, draw);
	state.on('status', drawBanner);
	state.on('typing', (room) => room === state.current && drawTyping());
	state.on('current', drawTyping);
	drawBanner();
	return { el, banner, typing };
}
