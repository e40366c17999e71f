// The message formatting subset of docs/protocol.md, rendered by building nodes — the text is
// never parsed as HTML, so "<img onerror=…>" stays visible text. Supported: *bold*, _italic_,
// `code`, ```blocks```, "> " quotes at the start of a line, @mentions and http(s) links.

import { h } from './dom.js';

// One inline token at a time; bold and italic need word edges so that snake_case stays as is,
// and marks that hug their text, so that a masked word ("****") stays stars.
const INLINE = new RegExp([
	'(`[^`\\n]+`)',                                                  // 1 code
	'(https?:\\/\\/[^\\s<>"]+)',                                     // 2 link
	'(?<![\\p{L}\\p{Nd}])(@[\\p{L}\\p{Nd}._-]+)',                    // 3 mention
	'(?<![\\p{L}\\p{Nd}*])\\*(?=[^\\s*])([^*\\n]*?[^\\s*])\\*(?![\\p{L}\\p{Nd}])', // 4 bold
	'(?<![\\p{L}\\p{Nd}_])_(?=[^\\s_])([^_\\n]*?[^\\s_])_(?![\\p{L}\\p{Nd}])', // 5 italic
].join('|'), 'gu');

const TRAILING_PUNCTUATION = /[.,;:!?)\]'"]+$/;

/**
 * A fragment for a message text. `mention(name)` says how to show @name: 'me', 'user' or null
 * (not a known user: left as text).
 */
export function formatMessage(text, mention = () => null) {
	const fragment = document.createDocumentFragment();
	const parts = String(text).split('```');
	// An odd number of fences leaves the last one unclosed: it stays literal text.
	const closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
	parts.forEach((part, i) => {
		if (i % 2 === 1 && i < closed) {
			fragment.append(h('pre.code-block', h('code', part.replace(/^\n/, '').replace(/\n$/, ''))));
		} else {
			let literal = i % 2 === 1 ? '```' + part : part;
			// The line breaks around a fence belong to the fence, not to the text beside it.
			if (i > 0 && i % 2 === 0) literal = literal.replace(/^\n/, '');
			if (i + 1 < closed) literal = literal.replace(/\n$/, '');
			blocks(literal, fragment, mention);
		}
	});
	return fragment;
}

/** Lines, with runs of "> " lines gathered into one quote. */
function blocks(text, parent, mention) {
	if (!text) return;
	const lines = text.split('\n');
	let quote = null;
	let needBreak = false;
	for (const line of lines) {
		const quoted = /^>\s?/.exec(line);
		if (quoted) {
			if (!quote) { quote = h('blockquote'); parent.append(quote); }
			else quote.append(h('br'));
			inline(line.slice(quoted[0].length), quote, mention);
			needBreak = false;
			continue;
		}
		if (quote) { quote = null; needBreak = false; }
		if (needBreak) parent.append(h('br'));
		inline(line, parent, mention);
		needBreak = true;
	}
}

/** Inline tokens into `parent`; bold and italic may hold the others. */
export function inline(text, parent, mention = () => null) {
	let last = 0;
	INLINE.lastIndex = 0;
	for (let match; (match = INLINE.exec(text));) {
		if (match.index > last) parent.append(text.slice(last, match.index));
		last = match.index + match[0].length;
		if (match[1]) {
			parent.append(h('code', match[1].slice(1, -1)));
		} else if (match[2]) {
			const url = match[2].replace(TRAILING_PUNCTUATION, '');
			last = match.index + url.length;
			parent.append(link(url));
		} else if (match[3]) {
			const name = match[3].slice(1).replace(/[.-]+$/, '');
			last = match.index + 1 + name.length;
			const kind = name ? mention(name) : null;
			parent.append(kind ? h('span', { class: kind === 'me' ? 'mention mention-me' : 'mention' }, '@' + name) : '@' + name);
		} else {
			const inner = match[4] ?? match[5];
			const el = h(match[4] !== undefined ? 'strong' : 'em');
			// Nested tokens: the regex is global, so recurse on a fresh scan and resume here after.
			const resume = INLINE.lastIndex;
			inline(inner, el, mention);
			INLINE.lastIndex = resume;
			parent.append(el);
		}
		INLINE.lastIndex = last;
	}
	if (last < text.length) parent.append(text.slice(last));
}

function link(url) {
	let parsed;
	try { parsed = new URL(url); } catch { return url; }
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return url;
	return h('a', { href: parsed.href, target: '_blank', rel: 'noopener noreferrer' }, url);
}

/** Plain text for notifications and previews: markup characters stay, HTML never applies. */
export function plainPreview(text, length = 140) {
	const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
	return flat.length > length ? flat.slice(0, length - 1) + '…' : flat;
}
