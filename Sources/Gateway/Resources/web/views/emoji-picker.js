// The emoticon picker: a search box (names in every language offered), the recently used row,
// then every emoji. Enter in the search picks the first match; the arrow keys move in the grid.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { emojiName, searchEmoji, loadOtherNames, recentEmoji, rememberEmoji } from '../lib/emoji.js';

/** `onPick(char)` runs on a choice; returns { el, focus }. */
export function emojiPicker(onPick) {
	const search = h('input.emoji-search', { type: 'search', 'aria-label': t('composer.emojiSearch'),
		placeholder: t('composer.emojiSearch'), autocomplete: 'off', 'data-action': 'emoji-search' });
	const body = h('div.emoji-body');
	let shown = [];

	const pick = (emoji) => {
		rememberEmoji(emoji.char);
		onPick(emoji.char);
	};
	const button = (emoji) => h('button.emoji', { 'aria-label': emojiName(emoji), title: emojiName(emoji),
		'data-emoji': emoji.char, onclick: () => pick(emoji) }, emoji.char);
	const grid = (label, list, className = '') => h('div.emoji-grid', { role: 'group', 'aria-label': label, class: className },
		list.map(button));

	function draw() {
		const query = search.value.trim();
		shown = searchEmoji(query);
		// While searching, the recent row would only repeat matches (or show what does not match).
		const recent = query ? [] : recentEmoji();
		fill(body,
			recent.length > 0 && [h('h3.emoji-heading', t('composer.emojiRecent')),
				grid(t('composer.emojiRecent'), recent, 'emoji-recent'), h('h3.emoji-heading', t('composer.emojiAll'))],
			shown.length ? grid(t('composer.emojiAll'), shown, 'emoji-all') : h('p.emoji-none', t('composer.emojiNone')));
	}

	/** Left/Right one emoji, Up/Down one row; Up from the first row goes back to the search box. */
	function arrows(event) {
		const buttons = [...body.querySelectorAll('button.emoji')];
		const at = buttons.indexOf(document.activeElement);
		if (at < 0) return;
		const columns = getComputedStyle(buttons[at].parentElement).gridTemplateColumns.split(' ').length;
		const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[event.key];
		if (!step) return;
		event.preventDefault();
		const next = buttons[at + step];
		if (next) next.focus();
		else if (step < 0) search.focus();
	}

	search.addEventListener('input', draw);
	search.addEventListener('keydown', (event) => {
		if (event.key === 'Enter') {
			event.preventDefault();
			if (shown[0]) pick(shown[0]);
		} else if (event.key === 'ArrowDown') {
			event.preventDefault();
			body.querySelector('button')?.focus();
		}
	});
	body.addEventListener('keydown', arrows);
	// The other languages' names arrive a moment later; a search already typed is run again.
	loadOtherNames().then(() => search.value.trim() && draw());
	draw();
	return { el: h('div.emoji-picker', search, body), focus: () => search.focus() };
}
