// A notice's content, shared by the bulletin board and the must-read dialog: its text formatted
// as messages are, and its attachments — images shown (fetched with the session's header, then
// drawn from a blob: URL, which the CSP allows for images), other files downloaded on a click.

import { h } from '../lib/dom.js';
import { getToken, apiDownload } from '../lib/api.js';
import { t, formatBytes, formatDateTime, formatShortDateTime } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { formatMessage } from '../lib/format.js';
import { toast, errorText } from './ui.js';
import { mentionKind } from './message.js';

const attachmentPath = (notice, index) => `bulletin/${encodeURIComponent(notice.id)}/attachments/${index}`;

// Each image fetched once per page: the board is drawn again on every notice event.
const previews = new Map(); // path → promise of a blob: URL (or null)

function preview(img, path) {
	if (!previews.has(path)) {
		previews.set(path, fetch('/api/v1/' + path + '?inline=1', { headers: { Authorization: 'Bearer ' + getToken() } })
			.then(async (response) => (response.ok ? URL.createObjectURL(await response.blob()) : null))
			.catch(() => null)); // the link below still downloads it
	}
	previews.get(path).then((url) => { if (url) img.src = url; });
}

export function noticeAttachments(notice) {
	if (!notice.attachments?.length) return null;
	return h('ul.notice-files', { role: 'list' }, notice.attachments.map((a) => {
		const path = attachmentPath(notice, a.index);
		const image = a.inline && a.mediaType.startsWith('image/') && h('img.notice-image', { alt: a.name });
		if (image) preview(image, path);
		return h('li', image, h('button.link.notice-file', { 'data-action': 'notice-file', onclick: () => apiDownload(path).catch((e) => toast(errorText(e), 'error')) },
			icon('file'), h('span', { dir: 'auto' }, a.name), h('span.muted', ' ' + formatBytes(a.size))));
	}));
}

/** The body and attachments of a notice. */
export function noticeContent(state, notice) {
	return [notice.body && h('div.notice-body', { dir: 'auto' }, formatMessage(notice.body, mentionKind(state))), noticeAttachments(notice)];
}

/** "Alice Martin · 3 Dec 2026, 10:02" with the full date in the tooltip. */
export function byline(state, author, time) {
	return h('p.notice-by', h('strong', state.displayName(author)), ' · ',
		h('time', { datetime: new Date(time).toISOString(), title: formatDateTime(time) }, formatShortDateTime(time)));
}

/** The tags of a notice: pinned, must read, expiry, withdrawn. */
export function noticeTags(notice) {
	if (!notice.pinned && !notice.mustRead && notice.expiresAt == null && !notice.withdrawn) return null;
	return h('span.notice-tags',
		notice.pinned && h('span.tag.tag-pin', icon('pin'), t('bulletin.pinned')),
		notice.mustRead && h('span.tag.tag-must', t('bulletin.mustRead')),
		notice.expiresAt != null && h('span.tag', t(notice.active ? 'bulletin.until' : 'bulletin.expired', { date: formatShortDateTime(notice.expiresAt) })),
		notice.withdrawn && h('span.tag', t('bulletin.withdrawn')));
}
