// Typed emoticons (":)", ";)", "<3"…) become emoji when a message is sent, as in Slack and
// Mattermost: the composer keeps exactly what was typed (nothing changes under the caret, undo
// is untouched) and the message carries the emoji. Never inside `code`, code blocks or links:
// format.js says where those are. People who want their ":)" as typed turn it off in Settings →
// Preferences; the choice is this browser's (localStorage), like notifications.

import { verbatimRanges } from './format.js';

const TABLE = {
	':)': '🙂', ':-)': '🙂', ':(': '🙁', ':-(': '🙁', ':D': '😃', ':-D': '😃', ';)': '😉', ';-)': '😉',
	':P': '😛', ':-P': '😛', ':p': '😛', ':-p': '😛', ':o': '😮', ':O': '😮', ':-o': '😮', ':-O': '😮',
	':|': '😐', ':-|': '😐', ':/': '😕', ':-/': '😕', ":'(": '😢', ':*': '😘', ':-*': '😘', 'B-)': '😎',
	'<3': '❤️', '</3': '💔',
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// A whole word only: after a space, the start or a bold/italic mark; before a space, the end, a
// mark, or a punctuation mark that ends the sentence — so "10:30", "http://x", "see :p.1" and
// "a:)" stay as typed, while "*great :)*" converts.
const PATTERN = new RegExp(`(?<=^|[\\s*_])(?:${Object.keys(TABLE).sort((a, b) => b.length - a.length).map(escape).join('|')})`
	+ '(?=$|[\\s*_]|[.,!?;](?:$|[\\s*_]))', 'gu');

const KEY = 'causerie.emoticons';

/** On unless turned off in this browser. */
export function emoticonsWanted() { return localStorage.getItem(KEY) !== 'off'; }
export function setEmoticonsWanted(on) { localStorage.setItem(KEY, on ? 'on' : 'off'); }

/** The text with its emoticons as emoji, outside code, code blocks and links. */
export function convertEmoticons(text) {
	const verbatim = verbatimRanges(text);
	return text.replace(PATTERN, (found, at) => (verbatim.some(([start, end]) => at >= start && at < end) ? found : TABLE[found]));
}
