// Must-read notices and broadcasts block the chat until the user says "I have read it": a modal
// <dialog> (the page behind is inert) that Esc does not close, one item at a time, oldest first,
// "2 of 3" while more wait. Confirming is recorded once by the server; on another device the
// acknowledgement arrives as an event and the dialog moves on there too.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { formatMessage } from '../lib/format.js';
import { errorText } from './ui.js';
import { mentionKind } from './message.js';
import { noticeContent, byline } from './bulletin-notice.js';

export function createMustRead(client) {
	const state = client.state;
	const bulletin = client.bulletin;
	const content = h('div.must-read-body', { id: 'must-read-body' });
	const counter = h('p.must-read-count');
	const error = h('p.form-error', { role: 'alert' });
	const confirm = h('button.button.primary', { 'data-action': 'acknowledge-must-read', onclick: () => acknowledge() }, icon('tick'),
		t('mustRead.confirm'));
	const dialog = h('dialog.dialog.must-read', { 'aria-labelledby': 'must-read-title', 'aria-describedby': 'must-read-body' },
		h('div.must-read-frame', h('p.must-read-kicker', icon('bell'), t('mustRead.kicker')), content, counter, error,
			h('footer.dialog-actions', confirm)));
	let shown = null; // the entry on screen
	let busy = false;

	// Esc and the browser's own close requests do nothing: only confirming lets the user on.
	dialog.addEventListener('cancel', (event) => event.preventDefault());
	dialog.addEventListener('close', () => { if (bulletin.mustRead().length) setTimeout(update, 0); });
	document.body.append(dialog);

	function draw(entry, index, count) {
		shown = entry;
		const item = entry.item;
		fill(content, entry.kind === 'notice'
			? [h('h2', { id: 'must-read-title', dir: 'auto' }, item.title), byline(state, item.author, item.posted), noticeContent(state, item)]
			: [h('h2', { id: 'must-read-title' }, t('mustRead.broadcast', { name: state.displayName(item.author) })),
				byline(state, item.author, item.time),
				h('div.notice-body', { dir: 'auto' }, formatMessage(item.text, mentionKind(state)))]);
		counter.textContent = count > 1 ? t('mustRead.count', { index: index + 1, count }) : '';
		dialog.dataset.kind = entry.kind;
		dialog.dataset.id = String(entry.id);
	}

	/** Shows the oldest item waiting, or closes when none is left. */
	function update() {
		if (!dialog.isConnected) return; // the session ended
		const entries = bulletin.mustRead();
		if (!entries.length) {
			shown = null;
			if (dialog.open) dialog.close();
			return;
		}
		const same = shown && entries[0].kind === shown.kind && entries[0].id === shown.id;
		if (!same) { error.textContent = ''; draw(entries[0], 0, entries.length); } else counter.textContent = entries.length > 1
			? t('mustRead.count', { index: 1, count: entries.length }) : '';
		if (!dialog.open) {
			// Above any other dialog open at the time: the last modal shown is on top.
			dialog.showModal();
			confirm.focus();
		}
	}

	async function acknowledge() {
		if (!shown || busy) return;
		busy = true;
		confirm.disabled = true;
		error.textContent = '';
		try {
			await bulletin.acknowledge(shown);
			shown = null;
		} catch (failure) {
			error.textContent = errorText(failure);
		} finally {
			busy = false;
			confirm.disabled = false;
			update();
		}
	}

	return { update };
}
