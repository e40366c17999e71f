// The composer: Enter sends, Shift+Enter breaks the line, Up edits your last message, Esc
// cancels; formatting buttons, emoticons (with the useEmoticons right), quick phrases, @names.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { EMOJI } from '../lib/emoji.js';
import { plainPreview } from '../lib/format.js';
import { iconButton, errorText, toast } from './ui.js';

const FORMATS = [
	['bold', '*', '*', 'B'], ['italic', '_', '_', 'I'], ['code', '`', '`', '</>'],
	['block', '```\n', '\n```', '{ }'], ['quote', '> ', '', '❝'],
];

export function createComposer(client, actions) {
	const state = client.state;
	let room = null;
	let mode = null; // { kind: 'reply' | 'edit', item }
	const drafts = new Map();

	const input = h('textarea.composer-input', { rows: 1, 'aria-label': t('composer.label'),
		placeholder: t('composer.placeholder'), maxlength: 100000 });
	const context = h('div.composer-context', { hidden: true });
	const note = h('p.composer-note', { role: 'status' });
	const toolbar = h('div.composer-tools', { role: 'toolbar', 'aria-label': t('composer.formatting') });
	const popover = h('div.popover', { hidden: true });
	const send = iconButton('send', t('composer.send'), () => submit(), { class: 'send', 'data-action': 'send' });
	const box = h('div.composer-box', toolbar, h('div.composer-row', input, send));
	const el = h('div.composer', context, popover, box, note);

	function drawTools() {
		fill(toolbar,
			FORMATS.map(([name, before, after, label]) => h('button.tool', { 'data-format': name,
				'aria-label': t('composer.format.' + name), title: t('composer.format.' + name),
				onclick: () => wrap(before, after) }, label)),
			state.can('useEmoticons') ? iconButton('smile', t('composer.emoji'), () => togglePopover('emoji'),
				{ 'data-action': 'emoji', 'aria-haspopup': 'true' }) : null,
			state.me.quickPhrases?.length ? iconButton('phrases', t('composer.phrases'), () => togglePopover('phrases'),
				{ 'data-action': 'phrases', 'aria-haspopup': 'true' }) : null);
		if (!state.can('useEmoticons') && popover.dataset.kind === 'emoji') closePopover();
	}

	function drawState() {
		const target = state.rooms.get(room);
		const writable = state.canWrite(target);
		input.disabled = !writable;
		send.disabled = !writable;
		el.classList.toggle('disabled', !writable);
		let why = '';
		if (target && !writable) {
			why = target.archived ? t('composer.archived')
				: target.mutedUntil && target.mutedUntil > Date.now() ? t('composer.muted')
					: t('composer.noRight');
		} else if (state.status !== 'online') {
			why = t('composer.offline');
		}
		note.textContent = why;
		input.placeholder = target ? t('composer.placeholderFor', { name: state.roomTitle(target) }) : t('composer.placeholder');
	}

	function drawContext() {
		if (!mode) { context.hidden = true; context.replaceChildren(); return; }
		context.hidden = false;
		const item = mode.item;
		fill(context,
			h('span', mode.kind === 'edit' ? t('composer.editing')
				: t('composer.replyingTo', { name: state.displayName(item.author) })),
			mode.kind === 'reply' ? h('span.composer-quote', plainPreview(item.text, 80)) : null,
			iconButton('close', t('common.cancel'), () => cancel(), { 'data-action': 'cancel' }));
	}

	function setMode(next) {
		mode = next;
		drawContext();
	}

	function cancel() {
		if (mode?.kind === 'edit') input.value = drafts.get(room) ?? '';
		setMode(null);
		resize();
		input.focus();
	}

	function resize() {
		input.style.height = 'auto';
		input.style.height = Math.min(input.scrollHeight, 240) + 'px';
	}

	function wrap(before, after) {
		const { selectionStart: start, selectionEnd: end, value } = input;
		const selected = value.slice(start, end);
		input.setRangeText(before + selected + after, start, end, 'end');
		if (!selected) input.setSelectionRange(start + before.length, start + before.length);
		input.focus();
		resize();
	}

	function insert(text) {
		const { selectionStart: start, selectionEnd: end } = input;
		input.setRangeText(text, start, end, 'end');
		input.focus();
		resize();
	}

	async function submit() {
		const text = input.value.trim();
		if (!text || !room || input.disabled) return;
		if (mode?.kind === 'edit') {
			const item = mode.item;
			if (text !== item.text) {
				try {
					await client.edit(item.position, text);
				} catch (error) {
					toast(errorText(error), 'error');
					return;
				}
			}
			input.value = drafts.get(room) ?? '';
			setMode(null);
		} else {
			client.post(room, text, mode?.kind === 'reply' ? mode.item.position : undefined);
			input.value = '';
			drafts.delete(room);
			setMode(null);
		}
		closePopover();
		resize();
	}

	// MARK: Popovers (emoji, quick phrases, @ suggestions)

	function togglePopover(kind) {
		if (!popover.hidden && popover.dataset.kind === kind) return closePopover();
		popover.dataset.kind = kind;
		if (kind === 'emoji') {
			fill(popover, h('div.emoji-grid', { role: 'listbox', 'aria-label': t('composer.emoji') },
				EMOJI.map((e) => h('button.emoji', { role: 'option', 'aria-label': e,
					onclick: () => { insert(e); closePopover(); } }, e))));
		} else {
			fill(popover, h('ul.menu', { role: 'menu', 'aria-label': t('composer.phrases') },
				state.me.quickPhrases.map((p) => h('li', { role: 'none' }, h('button', { role: 'menuitem',
					onclick: () => { insert(p); closePopover(); } }, plainPreview(p, 60))))));
		}
		popover.hidden = false;
		popover.querySelector('button')?.focus();
	}

	function closePopover() {
		if (popover.hidden) return;
		popover.hidden = true;
		popover.dataset.kind = '';
		popover.replaceChildren();
	}

	/** @ and letters at the caret: the matching people; Tab (or a click) completes. */
	function suggest() {
		const typed = /(?:^|[^\p{L}\p{Nd}])@([\p{L}\p{Nd}._-]*)$/u.exec(input.value.slice(0, input.selectionStart))?.[1];
		const query = typed?.toLowerCase();
		const found = typed === undefined ? [] : [...state.users.values()].filter((u) => !u.disabled && u.user !== state.me.user
			&& (u.username.toLowerCase().startsWith(query) || u.displayName.toLowerCase().includes(query))).slice(0, 6);
		suggestions = found.map((u) => () => {
			const caret = input.selectionStart;
			input.setRangeText(u.username + ' ', caret - typed.length, caret, 'end');
			closePopover();
			input.focus();
		});
		if (!found.length) return popover.dataset.kind === 'mention' && closePopover();
		popover.dataset.kind = 'mention';
		popover.hidden = false;
		fill(popover, h('ul.menu', { 'aria-label': t('composer.mention') }, found.map((u, i) => h('li', h('button',
			{ onmousedown: (e) => { e.preventDefault(); suggestions[i](); } }, h('strong', u.displayName || u.username), ' @' + u.username)))));
	}
	let suggestions = [];

	input.addEventListener('input', () => {
		resize();
		if (mode?.kind !== 'edit') drafts.set(room, input.value);
		if (input.value.trim() && room) client.typing(room);
		suggest();
	});

	input.addEventListener('keydown', (event) => {
		if (event.key === 'Tab' && !popover.hidden && popover.dataset.kind === 'mention') {
			event.preventDefault();
			return suggestions[0]();
		}
		if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
			event.preventDefault();
			submit();
		} else if (event.key === 'Escape') {
			if (!popover.hidden) { closePopover(); event.stopPropagation(); }
			else if (mode) { cancel(); event.stopPropagation(); }
		} else if (event.key === 'ArrowUp' && !input.value && !mode && !event.altKey) {
			const last = lastOwnMessage();
			if (last) { event.preventDefault(); editItem(last); }
		}
	});

	popover.addEventListener('keydown', (event) => {
		if (event.key === 'Escape') { closePopover(); input.focus(); event.stopPropagation(); }
	});
	document.addEventListener('click', (event) => {
		if (!popover.hidden && !el.contains(event.target)) closePopover();
	});

	function lastOwnMessage() {
		const items = state.timelines.get(room)?.items || [];
		for (let i = items.length - 1; i >= 0; i--) {
			const item = items[i];
			if (item.kind === 'message.posted' && item.author === state.me.user && !item.deleted) return item;
		}
		return null;
	}

	function editItem(item) {
		drafts.set(room, input.value);
		setMode({ kind: 'edit', item });
		input.value = item.text;
		resize();
		input.focus();
		input.setSelectionRange(input.value.length, input.value.length);
	}

	state.on('me', () => { drawTools(); drawState(); });
	state.on('rooms', drawState);
	state.on('status', drawState);

	return {
		el,
		show(id) {
			if (room && mode?.kind !== 'edit') drafts.set(room, input.value);
			room = id;
			setMode(null);
			closePopover();
			input.value = drafts.get(id) ?? '';
			drawTools();
			drawState();
			resize();
		},
		reply(item) { setMode({ kind: 'reply', item }); input.focus(); },
		edit: editItem,
		focus() { input.focus(); },
		get busy() { return Boolean(mode) || !popover.hidden; },
	};
}
