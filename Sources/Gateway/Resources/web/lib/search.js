// Search queries as text, in the server's syntax (words, "phrases", -excluded, *infix, from:,
// in:, with:, before:, after:, on:, has:, is:). The search box is the one source of truth: the
// filter panel reads its operators from the text and writes them back into it. No DOM here.

const OPERATOR = /(^|\s)(-?)(from|in|with|before|after|on|has|is):("[^"]*"?|\S*)/gi;

/** The operators typed in `query`, each with where it stands (`start`, `end`: its characters, not the space before). */
export function operators(query) {
	const found = [];
	for (const match of query.matchAll(OPERATOR)) {
		const start = match.index + match[1].length;
		const raw = match[4];
		const value = raw.startsWith('"') ? raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined) : raw;
		found.push({ negated: match[2] === '-', key: match[3].toLowerCase(), value, start, end: match.index + match[0].length });
	}
	return found;
}

/** The value a filter shows: the first one typed, not excluded (`from:alice` → "alice"). */
export function operatorValue(query, key) {
	const found = operators(query).find((o) => o.key === key && !o.negated);
	return found ? found.value.replace(key === 'in' ? /^#/ : /^@/, '') : '';
}

/** Whether a flag is set: `has:file`, `has:link`, `is:mention` (and the synonyms the server takes). */
export function hasFlag(query, key, value) {
	return operators(query).some((o) => o.key === key && !o.negated && FLAGS[value].includes(o.value.toLowerCase()));
}

const FLAGS = { file: ['file', 'files', 'attachment'], link: ['link', 'links', 'url'], mention: ['mention', 'mentions', 'mentioned'] };

/** A value as the parser reads it back: quoted when it holds a space or a quote. */
export const quoted = (value) => (/[\s"]/.test(value) ? '"' + value.replace(/"/g, '') + '"' : value);

/**
 * The query with `key:` set to `value` (every earlier, not excluded one replaced), or removed
 * when `value` is empty. New operators go first: the word being typed stays last, where the
 * server reads it as a prefix (a word followed by more text is a whole word).
 */
export function withOperator(query, key, value) {
	const kept = removeWhere(query, (o) => o.key === key && !o.negated);
	return value ? prepend(kept, `${key}:${quoted(value)}`) : kept;
}

/** The query with a flag (`has:file`…) switched on or off. */
export function withFlag(query, key, value, on) {
	const kept = removeWhere(query, (o) => o.key === key && !o.negated && FLAGS[value].includes(o.value.toLowerCase()));
	return on ? prepend(kept, `${key}:${value}`) : kept;
}

/** The query without any operator: what the filter panel's "Clear" leaves. */
export const withoutOperators = (query) => removeWhere(query, () => true);

function removeWhere(query, test) {
	let text = query;
	for (const o of operators(query).filter(test).reverse()) text = text.slice(0, o.start) + text.slice(o.end);
	// One space between parts; a space at the end only if one was typed there (it says the last
	// word is complete: removing a last operator must not make the word before it complete).
	text = text.replace(/\s+/g, ' ').replace(/^ /, '');
	return /\s$/.test(query) ? text : text.replace(/ $/, '');
}

const prepend = (query, part) => (query ? part + ' ' + query : part + ' ');

/**
 * A result's text as parts to draw: [{ text, mark }], the matched words marked. Highlights are
 * [offset, length] in UTF-16 code units, as JavaScript strings count, so they slice directly.
 * A long text is cut around its first highlight (`max` code units, an ellipsis where cut).
 */
export function highlightParts(text, highlights = [], max = 320) {
	const ranges = highlights
		.map(([offset, length]) => [Math.max(0, offset), Math.min(text.length, offset + length)])
		.filter(([from, to]) => to > from)
		.sort((a, b) => a[0] - b[0]);
	let from = 0;
	let to = text.length;
	if (text.length > max) {
		from = ranges.length ? Math.max(0, ranges[0][0] - Math.floor(max / 4)) : 0;
		to = Math.min(text.length, from + max);
		from = Math.max(0, Math.min(from, to - max));
		// Never split a surrogate pair (an emoji) at either end.
		if (isLowSurrogate(text, from)) from += 1;
		if (isLowSurrogate(text, to)) to -= 1;
	}
	const parts = [];
	if (from > 0) parts.push({ text: '…', mark: false });
	let at = from;
	for (const [start, end] of ranges) {
		const a = Math.max(start, at);
		const b = Math.min(end, to);
		if (b <= a) continue; // overlapping or outside the excerpt
		if (a > at) parts.push({ text: text.slice(at, a), mark: false });
		parts.push({ text: text.slice(a, b), mark: true });
		at = b;
	}
	if (at < to) parts.push({ text: text.slice(at, to), mark: false });
	if (to < text.length) parts.push({ text: '…', mark: false });
	return parts;
}

function isLowSurrogate(text, index) {
	const code = text.charCodeAt(index);
	return index > 0 && index < text.length && code >= 0xdc00 && code <= 0xdfff;
}

/** The user's IANA time zone, for before:, after: and on: (the server counts days in UTC without it). */
export function timeZone() {
	try { return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined; } catch { return undefined; }
}
