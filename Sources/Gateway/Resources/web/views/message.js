// Rows of the conversation: messages, notices, day separators, the "new messages" line, and
// messages still in the outbox.

import { h } from '../lib/dom.js';
import { formatMessage, plainPreview } from '../lib/format.js';
import { t, formatTime, formatDateTime, formatDay } from '../lib/i18n.js';
import { avatar, iconButton, errorText } from './ui.js';

/** How @name shows in messages: highlighted for me, a chip for known users, else plain. */
export function mentionKind(state) {
	return (name) => {
		if (name.toLowerCase() === state.me.username.toLowerCase()) return 'me';
		return state.userByName(name) ? 'user' : null;
	};
}

export function dayRow(time) {
	return h('div.day-separator', { role: 'separator' }, h('span', formatDay(time)));
}

export function newLineRow() {
	return h('div.new-line', { role: 'separator', 'aria-label': t('timeline.newMessages') },
		h('span', t('timeline.newMessages')));
}

function timeTag(ms, className) {
	return h('time', { class: className, datetime: new Date(ms).toISOString(), title: formatDateTime(ms) }, formatTime(ms));
}

export function messageRow(item, continued, ctx) {
	const { state, actions } = ctx;
	const mine = item.author === state.me.user;
	const mentioned = !mine && (item.mentions || []).includes(state.me.user);
	const name = state.displayName(item.author);
	const room = state.rooms.get(item.room);
	const body = item.deleted
		? h('div.msg-body.msg-deleted', t('timeline.deleted'))
		: h('div.msg-body', { dir: 'auto' }, formatMessage(item.text ?? '', mentionKind(state)),
			item.edited ? h('span.msg-edited', { title: t('timeline.editedTitle') }, t('timeline.edited')) : null);
	const canEdit = mine && !item.deleted && state.canWrite(room);
	const canDelete = !item.deleted && (mine || state.canModerate(room));
	const tools = item.deleted ? null : h('div.msg-actions', { role: 'toolbar', 'aria-label': t('timeline.actions') },
		state.canWrite(room) ? iconButton('reply', t('timeline.reply'), () => actions.reply(item), { 'data-action': 'reply' }) : null,
		canEdit ? iconButton('edit', t('timeline.edit'), () => actions.edit(item), { 'data-action': 'edit' }) : null,
		canDelete ? iconButton('trash', t('timeline.delete'), () => actions.remove(item), { 'data-action': 'delete' }) : null);
	return h('div', {
		class: 'msg' + (continued ? ' continued' : '') + (mine ? ' mine' : '') + (mentioned ? ' mentioned' : '')
			+ (item.deleted ? ' deleted' : ''),
		'data-position': item.position, 'data-author': item.author,
	},
	h('div.msg-gutter', continued ? timeTag(item.time, 'msg-time-side') : avatar(item.author, name)),
	h('div.msg-main',
		continued ? null : h('div.msg-head',
			h('button.msg-author', { onclick: () => actions.showPerson(item.author) }, name),
			timeTag(item.time, 'msg-time')),
		item.replyTo ? replyQuote(item.replyTo, ctx) : null,
		body),
	tools);
}

function replyQuote(position, { state, timeline, actions }) {
	const original = timeline?.byPosition.get(position);
	const who = original ? state.displayName(original.author) : '';
	const text = !original ? t('timeline.replyUnknown') : original.deleted ? t('timeline.deleted') : plainPreview(original.text, 90);
	return h('button.msg-reply', { onclick: () => actions.scrollTo(position),
		'aria-label': t('timeline.replyTo', { name: who }) },
	h('span.msg-reply-icon', { 'aria-hidden': 'true' }, '↪'),
	who ? h('strong', who) : null, ' ', h('span', text));
}

export function noticeRow(item, { state }) {
	const actor = state.displayName(item.actor);
	const user = item.user ? state.displayName(item.user) : '';
	let text;
	switch (item.kind) {
		case 'room.created':
			text = t(state.isDirect(state.rooms.get(item.room)) ? 'notice.createdDirect' : 'notice.created', { actor });
			break;
		case 'room.topic': text = item.topic ? t('notice.topic', { actor, topic: item.topic }) : t('notice.topicCleared', { actor }); break;
		case 'room.renamed': text = t('notice.renamed', { actor, name: item.name }); break;
		case 'member.joined': text = t(item.method === 'operator' ? 'notice.added' : 'notice.joined', { user, actor }); break;
		case 'member.left': text = t('notice.left', { user }); break;
		case 'member.kicked': text = t('notice.kicked', { user, actor }); break;
		case 'member.banned': text = t('notice.banned', { user, actor }); break;
		case 'member.role': text = t('notice.role.' + item.role, { user, actor }); break;
		default: text = item.kind;
	}
	return h('div.notice-row', { 'data-position': item.position, dir: 'auto' },
		h('span', text), ' ', timeTag(item.time, 'msg-time'));
}

/** A message in the outbox: sending, or refused with the reason and what to do. */
export function pendingRow(entry, { state, actions }) {
	const name = state.displayName(state.me.user);
	return h('div', { class: 'msg mine pending' + (entry.failed ? ' failed' : ''), 'data-client-id': entry.clientId },
		h('div.msg-gutter', avatar(state.me.user, name)),
		h('div.msg-main',
			h('div.msg-head', h('span.msg-author', name)),
			h('div.msg-body', { dir: 'auto' }, formatMessage(entry.text, mentionKind(state))),
			entry.failed
				? h('div.msg-status', { role: 'alert' }, t('timeline.notSent', { reason: errorText(entry.failed) }), ' ',
					h('button.link', { onclick: () => actions.retry(entry.clientId) }, t('timeline.retry')), ' ',
					h('button.link', { onclick: () => actions.discard(entry.clientId) }, t('timeline.discard')))
				: h('div.msg-status', state.status === 'online' ? t('timeline.sending') : t('timeline.waiting'))));
}
