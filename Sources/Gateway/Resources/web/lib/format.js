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

/**
 * Where formatMessage shows the text as typed — code blocks (with their fences), `code` and
 * links — as [start, end) offsets. The same grammar as the renderer, so that what shows as code
 * is exactly what typed emoticons are not converted in.
 */
export function verbatimRanges(text) {
	const ranges = [];
	const parts = String(text).split('```');
	const closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
	let offset = 0;
	parts.forEach((part, i) => {
		if (i % 2 === 1 && i < closed) ranges.push([offset - 3, offset + part.length + 3]);
		else inlineRanges(part, offset, ranges);
		offset += part.length + 3;
	});
	return ranges;
}

/** inline()'s tokens, as ranges: code and links kept, bold and italic looked into. */
function inlineRanges(text, offset, ranges) {
	const pattern = new RegExp(INLINE.source, INLINE.flags); // its own lastIndex: this may recurse
	for (let match; (match = pattern.exec(text));) {
		const at = match.index;
		if (match[1]) {
			ranges.push([offset + at, offset + at + match[0].length]);
		} else if (match[2]) {
			const url = match[2].replace(TRAILING_PUNCTUATION, '');
			ranges.push([offset + at, offset + at + url.length]);
			pattern.lastIndex = at + url.length;
		} else if (match[3]) {
			pattern.lastIndex = at + 1 + match[3].slice(1).replace(/[.-]+$/, '').length;
		} else {
			inlineRanges(match[4] ?? match[5], offset + at + 1, ranges);
		}
	}
}

/**
 * A reply's quote: the message formatted as in the conversation, on one line, cut after about
 * `length` characters. Links become plain text (the quote is itself a button: no link inside).
 */
export function formatPreview(text, length = 90, mention = () => null) {
	const box = h('span.preview');
	box.append(formatMessage(text, mention));
	for (const el of box.querySelectorAll('pre, blockquote, a, br')) {
		if (el.localName === 'br') el.replaceWith(' ');
		else if (el.localName === 'a') el.replaceWith(el.textContent);
		else el.replaceWith(' ', ...el.childNodes, ' ');
	}
	shorten(box, length);
	return box;
}

/** Keeps the first `length` characters of an element's text (spaces collapsed), then "…". */
function shorten(root, length) {
	const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
	const texts = [];
	while (walker.nextNode()) texts.push(walker.currentNode);
	let left = length;
	let previousSpace = true; // no space at the start
	for (const node of texts) {
		let value = node.data.replace(/\s+/g, ' ');
		if (previousSpace) value = value.replace(/^ /, '');
		if (value) previousSpace = value.endsWith(' ');
		if (left <= 0) value = '';
		else if (value.length > left) { value = value.slice(0, left - 1).trimEnd() + '…'; left = 0; }
		else left -= value.length;
		node.data = value;
	}
	for (const el of [...root.querySelectorAll('*')].reverse()) if (!el.textContent) el.remove();
	root.normalize();
	const last = root.lastChild;
	if (last?.nodeType === Node.TEXT_NODE) last.data = last.data.trimEnd();
}

/** Plain text for notifications and previews: markup characters stay, HTML never applies. */
export function plainPreview(text, length = 140) {
	const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
	return flat.length > length ? flat.slice(0, length - 1) + '…' : flat;
}
