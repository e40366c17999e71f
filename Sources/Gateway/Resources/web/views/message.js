// Rows of the conversation: messages, notices, day separators, the "new messages" line, and
// messages still in the outbox.

import { h } from '../lib/dom.js';
import { formatMessage, formatPreview } from '../lib/format.js';
import { t, formatTime, formatDateTime, formatDay, formatBytes } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { fileUrl, folderZipUrl } from '../lib/files.js';
import { isFile } from '../lib/timeline.js';
import { avatar, iconButton, errorText, botTag } from './ui.js';
import { duration } from './call.js';

/** How @name shows in messages: highlighted for me, a chip for known users, else plain. */
export const mentionKind = (state) => (name) => (name.toLowerCase() === state.me.username.toLowerCase() ? 'me'
	: state.userByName(name) ? 'user' : null);

/** A conversation's name as shown: Announcements has none of its own in the state. */
export const conversationTitle = (state, room) => (state.isAnnouncements(room) ? t('announcements.title') : state.roomTitle(room));

export const dayRow = (time) => h('div.day-separator', { role: 'separator' }, h('span', formatDay(time)));

export const newLineRow = () => h('div.new-line', { role: 'separator' }, h('span', t('timeline.newMessages')));

const timeTag = (ms, className) => h('time', { class: className, datetime: new Date(ms).toISOString(),
	title: formatDateTime(ms) }, formatTime(ms));

export function messageRow(item, continued, { state, actions, timeline }) {
	const mine = item.author === state.me.user;
	const name = state.displayName(item.author);
	const room = state.rooms.get(item.room);
	const tool = (icon, key, action, fn) => iconButton(icon, t(key), () => fn(item), { 'data-action': action });
	const original = item.replyTo && timeline.byPosition.get(item.replyTo);
	// Broadcasts are read-only: no reply, edit or delete, even for their author.
	const tools = item.kind !== 'broadcast' && !item.deleted;
	if (isFile(item)) return fileMessageRow(item, continued, { state, actions, name, mine, room });
	return h('div.msg', {
		class: [continued && 'continued', mine && 'mine', item.deleted && 'deleted',
			!mine && (item.mentions || []).includes(state.me.user) && 'mentioned'].filter(Boolean).join(' '),
		'data-position': item.position, 'data-author': item.author,
	},
	h('div.msg-gutter', continued ? timeTag(item.time, 'msg-time-side') : avatar(item.author, name)),
	h('div.msg-main',
		!continued && h('div.msg-head', h('button.msg-author', { onclick: () => actions.showPerson(item.author) }, name),
			botTag(state.user(item.author)), timeTag(item.time, 'msg-time')),
		// A reply quotes the start of what it answers (if loaded) and scrolls to it.
		item.replyTo && h('button.msg-reply', { onclick: () => actions.scrollTo(item.replyTo),
			'aria-label': t('timeline.replyTo', { name: original ? state.displayName(original.author) : '' }) },
		h('span', { 'aria-hidden': 'true' }, '↪'), original && h('strong', state.displayName(original.author)), ' ',
		// Formatted as the message itself shows (no raw *stars*), on one line and shortened.
		!original ? h('span', t('timeline.replyUnknown')) : original.deleted ? h('span', t('timeline.deleted'))
			: formatPreview(original.text, 90, mentionKind(state))),
		item.deleted ? h('div.msg-body.msg-deleted', t('timeline.deleted'))
			: h('div.msg-body', { dir: 'auto' }, formatMessage(item.text ?? '', mentionKind(state)),
				item.edited && h('span.msg-edited', { title: t('timeline.editedTitle') }, t('timeline.edited')))),
	tools && h('div.msg-actions', { role: 'toolbar', 'aria-label': t('timeline.actions') },
		state.canWrite(room) && tool('reply', 'timeline.reply', 'reply', actions.reply),
		mine && state.canWrite(room) && tool('edit', 'timeline.edit', 'edit', actions.edit),
		(mine || state.canModerate(room)) && tool('trash', 'timeline.delete', 'delete', actions.remove)));
}

/** A file or a shared folder sent to the conversation: a card with its name, size and a way to it. */
function fileMessageRow(item, continued, { state, actions, name, mine, room }) {
	const gone = item.gone;
	const removable = !gone && item.kind === 'file.uploaded' && (mine || state.canModerate(room));
	return h('div.msg.file-msg', {
		class: [continued && 'continued', mine && 'mine', gone && 'deleted'].filter(Boolean).join(' '),
		'data-position': item.position, 'data-author': item.author, 'data-file': item.file,
	},
	h('div.msg-gutter', continued ? timeTag(item.time, 'msg-time-side') : avatar(item.author, name)),
	h('div.msg-main',
		!continued && h('div.msg-head', h('button.msg-author', { onclick: () => actions.showPerson(item.author) }, name),
			botTag(state.user(item.author)), timeTag(item.time, 'msg-time')),
		h('div.msg-body', item.kind === 'folder.shared' ? folderCard(item, actions) : fileCard(item))),
	removable && h('div.msg-actions', { role: 'toolbar', 'aria-label': t('timeline.actions') },
		iconButton('trash', t('files.delete'), () => actions.deleteFile(item), { 'data-action': 'delete-file' })));
}

/** A file: an image shows its preview (only what the server calls inline-safe), else an icon. */
export function fileCard(item) {
	const size = formatBytes(item.size);
	if (item.gone) {
		return h('div.file-card.gone', h('span.file-icon', icon('file')), h('span.file-text',
			h('span.file-name', { dir: 'auto' }, item.name), h('span.file-meta', t('files.gone'))));
	}
	const link = h('a.file-name', { dir: 'auto', download: item.name, 'data-action': 'download' }, item.name);
	const save = h('a.icon-button.file-save', { download: item.name, 'aria-label': t('files.download', { name: item.name }),
		title: t('files.download', { name: item.name }) }, icon('download'));
	fileUrl(item.file).then((url) => { link.href = url; save.href = url; }).catch(() => {});
	let preview = null;
	if (item.inline) {
		const image = h('img.file-preview', { alt: item.name, loading: 'lazy', decoding: 'async' });
		preview = h('a.file-preview-link', { target: '_blank', rel: 'noopener', 'aria-label': t('files.open', { name: item.name }) }, image);
		fileUrl(item.file, { inline: true }).then((url) => { image.src = url; preview.href = url; }).catch(() => {});
	}
	return h('div.file-wrap', preview, h('div.file-card', h('span.file-icon', icon('file')),
		h('span.file-text', link, h('span.file-meta', size)), save));
}

function folderCard(item, actions) {
	const path = item.folder ? item.folder + '/' + item.name : item.name;
	const zip = h('a.icon-button.file-save', { download: item.name + '.zip', 'data-action': 'download-zip',
		'aria-label': t('files.downloadZip', { name: item.name }), title: t('files.downloadZip', { name: item.name }) }, icon('download'));
	folderZipUrl(item.area, path).then((url) => { zip.href = url; }).catch(() => {});
	return h('div.file-card.folder-card', h('span.file-icon', icon('folder')), h('span.file-text',
		h('span.file-name', { dir: 'auto' }, item.name),
		h('span.file-meta', t('files.folderSummary', { count: item.count, size: formatBytes(item.size) }))),
	h('button.button.small', { 'data-action': 'open-folder', onclick: () => actions.openFiles(item.area, path) }, t('files.openFolder')),
	zip);
}

/** Membership and room changes, as one quiet line; a linked board's card activity links to its board. */
export function noticeRow(item, { state, actions }) {
	const kind = item.kind;
	if (kind === 'board.activity') {
		const text = t('notice.board.' + item.activity, { actor: state.displayName(item.actor), card: item.cardTitle,
			stage: item.stage, board: item.boardTitle });
		return h('div.notice-row', { 'data-position': item.position, dir: 'auto' },
			h('button.link', { onclick: () => actions.openKanban?.({ board: item.board }) }, text), ' ', timeTag(item.time, 'msg-time'));
	}
	if (kind === 'call.ended') return callRow(item, state);
	const key = kind === 'room.created' ? (state.isDirect(state.rooms.get(item.room)) ? 'createdDirect' : 'created')
		: kind === 'room.topic' ? (item.topic ? 'topic' : 'topicCleared')
			: kind === 'member.joined' ? (item.method === 'operator' ? 'added' : 'joined')
				: kind === 'member.role' ? 'role.' + item.role : kind.split('.')[1];
	const text = t('notice.' + key, { actor: state.displayName(item.actor), user: item.user && state.displayName(item.user),
		topic: item.topic, name: item.name });
	return h('div.notice-row', { 'data-position': item.position, dir: 'auto' }, h('span', text), ' ', timeTag(item.time, 'msg-time'));
}

/** A call in its conversation: how long it lasted, or that it was missed or declined. */
function callRow(item, state) {
	const what = t(item.video ? 'notice.call.video' : 'notice.call.audio');
	const text = item.seconds > 0 || item.reason === 'hangUp'
		? t('notice.call.done', { what, duration: duration(item.seconds) })
		: item.reason === 'declined' ? t('notice.call.declined', { what, user: state.displayName(item.callee) })
			: t('notice.call.missed', { what, user: state.displayName(item.caller) });
	return h('div', { class: 'notice-row call-row' + (item.seconds > 0 ? '' : ' call-missed'), 'data-position': item.position,
		'data-call': item.call, 'data-reason': item.reason, dir: 'auto' }, h('span', text), ' ', timeTag(item.time, 'msg-time'));
}

/** A message in the outbox: sending, or refused with the reason and what to do. */
export function pendingRow(entry, { state, actions }) {
	const name = state.displayName(state.me.user);
	const link = (key, fn) => h('button.link', { onclick: () => fn(entry.clientId) }, t(key));
	return h('div.msg.mine.pending', { class: entry.failed ? 'failed' : '', 'data-client-id': entry.clientId },
		h('div.msg-gutter', avatar(state.me.user, name)),
		h('div.msg-main', h('div.msg-head', h('span.msg-author', name)),
			h('div.msg-body', { dir: 'auto' }, formatMessage(entry.text, mentionKind(state))),
			entry.failed
				? h('div.msg-status', { role: 'alert' }, t('timeline.notSent', { reason: errorText(entry.failed) }), ' ',
					link('timeline.retry', actions.retry), ' ', link('timeline.discard', actions.discard))
				: h('div.msg-status', t(state.status === 'online' ? 'timeline.sending' : 'timeline.waiting'))));
}
