// What boards tell the user wherever they are: assigned to a card, mentioned in a comment, a
// deadline near (card.reminder). A toast that opens the card, and a desktop notification when
// they are allowed (lib/notify.js). card.changed carries the new assignees only: the cards
// already assigned to me (GET /api/v1/me/cards, then the events) say who was added just now.

import { h } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatDateTime } from '../lib/i18n.js';
import { notify } from '../lib/notify.js';
import { plainPreview } from '../lib/format.js';
import { toast } from './ui.js';

export function createBoardAlerts(client, actions) {
	const state = client.state;
	const me = state.me.user;
	const mine = new Set(); // ids of the cards assigned to me
	const titles = new Map(); // card id → its title, as events or requests told it
	const ready = api('GET', 'me/cards').then(({ cards }) => {
		for (const card of cards) { mine.add(card.id); titles.set(card.id, card.title); }
	}).catch(() => {});

	/** A card's title: known, or asked for (a change names only what changed). */
	async function title(ev) {
		if (!titles.has(ev.card)) {
			const card = await api('GET', ['boards', ev.board, 'cards', ev.card].map(encodeURIComponent).join('/')).catch(() => null);
			if (card) titles.set(ev.card, card.title);
		}
		return titles.get(ev.card) ?? '';
	}

	async function say(ev, heading, text) {
		const open = () => actions.openKanban({ board: ev.board, card: ev.card });
		toast([h('strong.toast-title', heading), h('span', text)], 'broadcast', { onclick: open, ms: 8000 });
		notify(heading, text, 'card-' + ev.card, open);
	}

	async function event(detail) {
		await ready;
		if (!detail?.event) return;
		const { event: ev, live } = detail;
		if (ev.title) titles.set(ev.card, ev.title);
		const fromOther = ev.actor !== me;
		switch (ev.kind) {
			case 'card.created':
			case 'card.changed': {
				if (!('assignees' in ev)) return;
				const now = ev.assignees.includes(me);
				const added = now && !mine.has(ev.card);
				if (now) mine.add(ev.card); else mine.delete(ev.card);
				if (added && live && fromOther) {
					say(ev, t('alerts.assigned', { name: state.displayName(ev.actor) }), await title(ev));
				}
				return;
			}
			case 'card.commented':
				if (live && fromOther && (ev.mentions || []).includes(me)) {
					say(ev, t('alerts.mentioned', { name: state.displayName(ev.actor), title: await title(ev) }), plainPreview(ev.text, 140));
				}
				return;
			case 'card.reminder':
				if (live && (ev.assignees || []).includes(me)) {
					say(ev, t('alerts.reminder', { title: await title(ev) }), t('alerts.dueAt', { date: formatDateTime(ev.deadline) }));
				}
				return;
			case 'card.deleted':
				mine.delete(ev.card);
		}
	}

	return { event };
}
