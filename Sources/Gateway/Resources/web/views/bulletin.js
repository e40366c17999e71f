// The bulletin board, full width: notices for me — the must-read ones I have yet to confirm first,
// then pinned ones, then the newest — and the archive (expired and withdrawn). Opening it reads
// it (the unread count in the sidebar and the title goes). Authors and administrators see how
// many confirmed, the read list with "Remind", and edit or withdraw; posters get "New notice".

import { h, fill, coalesce } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatShortDateTime } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { iconButton, errorText, toast } from './ui.js';
import { keepFocus } from './sidebar.js';
import { confirmDialog } from './rooms.js';
import { noticeContent, byline, noticeTags } from './bulletin-notice.js';
import { readList } from './read-list.js';

const lazy = (load, name) => async (...args) => (await load())[name](...args);
const composeDialog = lazy(() => import('./bulletin-compose.js'), 'composeDialog');

/** Whether I may post notices: the postBulletin right, or an administrator. */
export const canPost = (state) => state.can('postBulletin') || state.can('administer');

export function createBulletin(client, actions) {
	const state = client.state;
	const bulletin = client.bulletin;
	const el = h('div.bulletin-screen');
	const body = h('div.bulletin-body', { 'aria-live': 'polite' });
	let tab = 'board';
	let archive = null; // the archive's notices, once asked for
	let seenUpTo = bulletin.readUpTo; // notices after this were new when the screen opened
	const expanded = new Set(); // notices whose read list is open

	const draw = coalesce(() => keepFocus(el, drawNow));

	function drawNow() {
		fill(el, h('header.work-head',
			iconButton('menu', t('header.rooms'), () => actions.setDrawer('left'), { class: 'only-narrow' }),
			h('h2', { id: 'bulletin-title' }, t('bulletin.title')),
			h('div.tabs.work-tabs', { role: 'tablist', 'aria-label': t('bulletin.title') },
				[['board', 'bulletin.board'], ['archive', 'bulletin.archive']].map(([key, label]) => h('button', { role: 'tab',
					'data-tab': key, 'data-key': 'tab-' + key, 'aria-selected': String(tab === key), onclick: () => { tab = key; load(); } }, t(label)))),
			canPost(state) && h('div.work-tools', h('button.button.primary', { 'data-action': 'new-notice',
				onclick: () => composeDialog(client, actions, null) }, icon('plus'), t('bulletin.new')))),
		body);
		const notices = tab === 'archive' ? archive : [...bulletin.notices.values()];
		if (!notices) return fill(body, h('p.board-status', t('common.loading')));
		const pending = new Set(bulletin.pendingNotices);
		const first = (n) => (pending.has(n.id) && !n.acknowledgedAt && n.author !== state.me.user ? 0 : 1);
		notices.sort((a, b) => first(a) - first(b) || b.pinned - a.pinned || b.position - a.position);
		fill(body, notices.length ? h('ol.notice-list', { role: 'list' }, notices.map(card))
			: h('div.boards-empty', h('p', t(tab === 'archive' ? 'bulletin.archiveEmpty' : 'bulletin.empty'))));
		readNow();
	}

	function card(notice) {
		const mine = notice.author === state.me.user;
		const waiting = notice.mustRead && !notice.acknowledgedAt && !mine && notice.active;
		const reads = expanded.has(notice.id) && readList({ reads: `bulletin/${encodeURIComponent(notice.id)}/reads`,
			remind: `bulletin/${encodeURIComponent(notice.id)}/remind`, name: (user) => state.displayName(user), mustRead: notice.mustRead && notice.active });
		return h('li', h('article.notice', { 'data-notice': notice.id, 'aria-labelledby': 'notice-' + notice.id,
			class: [notice.pinned && 'pinned', waiting && 'waiting', notice.position > seenUpTo && !mine && 'new'].filter(Boolean).join(' ') },
		h('header.notice-head', h('h3', { id: 'notice-' + notice.id, dir: 'auto' }, notice.title), noticeTags(notice),
			notice.position > seenUpTo && !mine && h('span.tag.tag-new', t('bulletin.newTag'))),
		byline(state, notice.author, notice.posted),
		noticeContent(state, notice),
		h('footer.notice-foot',
			notice.mustRead && !mine && (notice.acknowledgedAt
				? h('span.notice-ack', icon('tick'), t('bulletin.acknowledgedAt', { date: formatShortDateTime(notice.acknowledgedAt) }))
				: notice.active && h('button.button.primary.small', { 'data-action': 'acknowledge', 'data-key': 'ack-' + notice.id, onclick: () => acknowledge(notice) }, t('mustRead.confirm'))),
			notice.canEdit && notice.mustRead && notice.acknowledgements != null && h('span.muted.notice-count', notice.recipients == null
				? t('bulletin.confirmedAll', { count: notice.acknowledgements })
				: t('bulletin.confirmedOf', { count: notice.acknowledgements, total: notice.recipients })),
			notice.canEdit && h('span.notice-tools',
				notice.mustRead && h('button.button.small', { 'data-action': 'read-list', 'data-key': 'reads-' + notice.id, 'aria-expanded': String(expanded.has(notice.id)),
					onclick: () => { if (!expanded.delete(notice.id)) expanded.add(notice.id); draw(); } }, t('bulletin.readList')),
				notice.active && h('button.button.small', { 'data-action': 'edit-notice', onclick: () => composeDialog(client, actions, notice) }, t('bulletin.edit')),
				notice.active && h('button.button.small.danger', { 'data-action': 'withdraw-notice', onclick: () => confirmDialog(t('bulletin.withdraw'),
					t('bulletin.withdrawConfirm', { title: notice.title }), t('bulletin.withdraw'),
					() => api('DELETE', `bulletin/${encodeURIComponent(notice.id)}`)) }, t('bulletin.withdraw')))),
		reads && reads.el));
	}

	async function acknowledge(notice) {
		try {
			await bulletin.acknowledge({ kind: 'notice', id: notice.id });
			notice.acknowledgedAt = Date.now();
			draw();
		} catch (error) {
			toast(errorText(error), 'error');
		}
	}

	/** On view and online: read up to the newest notice (the sidebar's count goes). */
	function readNow() {
		if (tab !== 'board' || document.hidden || !bulletin.unread) return;
		const newest = Math.max(0, ...[...bulletin.notices.values()].map((n) => n.position));
		bulletin.markRead(newest);
	}

	async function load() {
		if (tab === 'archive') {
			archive = null;
			draw();
			try {
				archive = (await api('GET', 'bulletin?archive=true')).notices;
			} catch (error) {
				archive = [];
				toast(errorText(error), 'error');
			}
		} else {
			await bulletin.refresh();
		}
		draw();
	}

	// The model asks the board again on every notice event; acknowledgements change the counts.
	const onNotice = (ev) => { if (ev.kind === 'bulletin.acknowledged' || ev.kind === 'bulletin.reminded') bulletin.refresh(); if (tab === 'archive') load(); };
	const onVisible = () => readNow();
	state.on('summary', draw);
	state.on('notices', onNotice);
	document.addEventListener('visibilitychange', onVisible);

	return {
		el,
		show() { seenUpTo = bulletin.readUpTo; tab = 'board'; load(); },
		destroy() {
			state.off('summary', draw);
			state.off('notices', onNotice);
			document.removeEventListener('visibilitychange', onVisible);
		},
	};
}
