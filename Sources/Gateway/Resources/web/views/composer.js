// The composer: Enter sends, Shift+Enter breaks the line, Up edits your last message, Esc
// cancels; formatting buttons, emoticons (with the useEmoticons right: the picker, and typed
// ones converted when sent), quick phrases, @names.

import { h, fill } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { plainPreview, formatPreview } from '../lib/format.js';
import { convertEmoticons, emoticonsWanted } from '../lib/emoticons.js';
import { iconButton, errorText, toast } from './ui.js';
import { mentionKind } from './message.js';

const FORMATS = [['bold', '*', '*', 'B'], ['italic', '_', '_', 'I'], ['code', '`', '`', '</>'],
	['block', '```\n', '\n```', '{ }'], ['quote', '> ', '', '❝']];

export function createComposer(client, files) {
	const state = client.state;
	let room = null;
	let mode = null; // { kind: 'reply' | 'edit', item }
	let suggestions = [];
	let unmute = null;
	const drafts = new Map();
	const input = h('textarea.composer-input', { rows: 1, 'aria-label': t('composer.label'), maxlength: 100000 });
	const context = h('div.composer-context', { hidden: true });
	const note = h('p.composer-note', { role: 'status' });
	const toolbar = h('div.composer-tools', { role: 'toolbar', 'aria-label': t('composer.formatting') });
	const popover = h('div.popover', { hidden: true });
	const send = iconButton('send', t('composer.send'), () => submit(), { class: 'send', 'data-action': 'send' });
	// Files and folders: the pickers are hidden inputs the menu opens (drag and drop and paste too).
	const pickFiles = h('input.sr-only', { type: 'file', multiple: true, tabindex: '-1', 'data-input': 'files',
		'aria-hidden': 'true', onchange: () => picked(pickFiles, false) });
	const pickFolder = h('input.sr-only', { type: 'file', webkitdirectory: true, tabindex: '-1', 'data-input': 'folder',
		'aria-hidden': 'true', onchange: () => picked(pickFolder, true) });
	const attach = iconButton('attach', t('composer.attach'), () => toggle('attach'),
		{ class: 'attach', 'data-action': 'attach', 'aria-haspopup': 'true' });
	const el = h('div.composer', context, popover, pickFiles, pickFolder,
		h('div.composer-box', toolbar, h('div.composer-row', attach, input, send)), note);

	function picked(picker, folder) {
		const list = [...picker.files];
		picker.value = '';
		if (list.length && room) files.send(room, folder ? { loose: [], pickedFolder: list } : { loose: list, folders: [] });
	}

	function drawTools() {
		const menu = (name, key, iconName) => iconButton(iconName, t(key), () => toggle(name),
			{ 'data-action': name, 'aria-haspopup': 'true' });
		fill(toolbar,
			FORMATS.map(([name, before, after, label]) => h('button.tool', { 'data-format': name,
				'aria-label': t('composer.format.' + name), title: t('composer.format.' + name), onclick: () => wrap(before, after) }, label)),
			state.can('useEmoticons') && menu('emoji', 'composer.emoji', 'smile'),
			state.me.quickPhrases?.length > 0 && menu('phrases', 'composer.phrases', 'phrases'));
		if (!state.can('useEmoticons') && popover.dataset.kind === 'emoji') close();
	}

	/** Whether the user may write here now, and if not why (a mute ends by itself). */
	function drawState() {
		const target = state.rooms.get(room);
		const writable = state.canWrite(target);
		input.disabled = send.disabled = !writable;
		attach.hidden = !writable || !state.can('sendFiles');
		el.classList.toggle('disabled', !writable);
		const readOnly = state.isAnnouncements(target);
		el.classList.toggle('read-only', readOnly);
		const muted = target?.mutedUntil > Date.now();
		clearTimeout(unmute);
		if (muted) unmute = setTimeout(drawState, target.mutedUntil - Date.now() + 100);
		if (readOnly) return fill(note, readOnlyNote());
		note.textContent = target && !writable ? t(target.archived ? 'composer.archived' : muted ? 'composer.muted' : 'composer.noRight')
			: state.status !== 'online' ? t('composer.offline') : '';
		input.placeholder = t('composer.placeholderFor', { name: state.roomTitle(target) });
	}

	/** Announcements instead of a composer: who writes there, and for administrators, where. */
	function readOnlyNote() {
		return [t('announcements.readOnly'), state.can('administer') && [' ', h('a', { href: 'admin.html#broadcast',
			'data-key': 'broadcast' }, t('announcements.send'))]];
	}

	function setMode(next) {
		mode = next;
		context.hidden = !mode;
		fill(context, mode && [
			h('span', mode.kind === 'edit' ? t('composer.editing') : t('composer.replyingTo', { name: state.displayName(mode.item.author) })),
			mode.kind === 'reply' && h('span.composer-quote', formatPreview(mode.item.text, 80, mentionKind(state))),
			iconButton('close', t('common.cancel'), cancel, { 'data-action': 'cancel' })]);
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

	function insert(text, start = input.selectionStart, end = input.selectionEnd) {
		input.setRangeText(text, start, end, 'end');
		input.focus();
		resize();
	}

	function wrap(before, after) {
		const { selectionStart: start, selectionEnd: end } = input;
		insert(before + input.value.slice(start, end) + after, start, end);
		if (start === end) input.setSelectionRange(start + before.length, start + before.length);
	}

	/** What is sent: typed emoticons as emoji, unless turned off (or emoticons are not allowed). */
	function outgoing(text) {
		return state.can('useEmoticons') && emoticonsWanted() ? convertEmoticons(text) : text;
	}

	async function submit() {
		const text = outgoing(input.value.trim());
		if (!text || !room || input.disabled) return;
		if (mode?.kind === 'edit') {
			try {
				if (text !== mode.item.text) await client.edit(mode.item.position, text);
			} catch (error) {
				return toast(errorText(error), 'error');
			}
			input.value = drafts.get(room) ?? '';
		} else {
			client.post(room, text, mode?.item.position);
			input.value = '';
			drafts.delete(room);
		}
		setMode(null);
		close();
		resize();
	}

	async function toggle(kind) {
		if (!popover.hidden && popover.dataset.kind === kind) return close();
		const pick = (text, label = text) => h('button', { onclick: () => { insert(text); close(); } }, label);
		if (kind === 'attach') {
			const choose = (key, picker) => h('li', h('button', { 'data-action': 'attach-' + key,
				onclick: () => { close(); picker.click(); } }, t('composer.attach.' + key)));
			open(kind, h('ul.menu', { 'aria-label': t('composer.attach') }, choose('files', pickFiles), choose('folder', pickFolder)));
			return popover.querySelector('button')?.focus();
		}
		if (kind === 'emoji') {
			// Loaded on first use, like the dialogs: the first screen parses less script.
			const { emojiPicker } = await import('./emoji-picker.js');
			const picker = emojiPicker((char) => { insert(char); close(); });
			open(kind, picker.el);
			return picker.focus();
		}
		open(kind, h('ul.menu', { 'aria-label': t('composer.phrases') }, state.me.quickPhrases.map((p) => h('li', pick(p, plainPreview(p, 60))))));
		popover.querySelector('button')?.focus();
	}

	function open(kind, content) {
		popover.dataset.kind = kind;
		popover.hidden = false;
		fill(popover, content);
	}

	function close() {
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
		suggestions = found.map((u) => () => insert(u.username + ' ', input.selectionStart - typed.length) || close());
		if (!found.length) return popover.dataset.kind === 'mention' && close();
		open('mention', h('ul.menu', { 'aria-label': t('composer.mention') }, found.map((u, i) => h('li', h('button',
			{ onmousedown: (e) => { e.preventDefault(); suggestions[i](); } }, h('strong', u.displayName || u.username), ' @' + u.username)))));
	}

	function lastOwnMessage() {
		const items = state.timelines.get(room)?.items || [];
		return items.findLast((i) => i.kind === 'message.posted' && i.author === state.me.user && !i.deleted);
	}

	function edit(item) {
		drafts.set(room, input.value);
		setMode({ kind: 'edit', item });
		input.value = '';
		insert(item.text);
	}

	input.addEventListener('input', () => {
		resize();
		if (mode?.kind !== 'edit') drafts.set(room, input.value);
		if (input.value.trim() && room) client.typing(room);
		suggest();
	});
	// A pasted image (a screenshot) or files copied in a file manager are sent; text pastes as text.
	input.addEventListener('paste', (event) => {
		const pasted = [...(event.clipboardData?.files || [])];
		if (!pasted.length || !room || !state.can('sendFiles')) return;
		event.preventDefault();
		files.send(room, { loose: pasted, folders: [] });
	});
	input.addEventListener('keydown', (event) => {
		const key = event.key;
		if (key === 'Tab' && popover.dataset.kind === 'mention') {
			event.preventDefault();
			suggestions[0]();
		} else if (key === 'Enter' && !event.shiftKey && !event.isComposing) {
			event.preventDefault();
			submit();
		} else if (key === 'Escape' && (!popover.hidden || mode)) {
			event.stopPropagation();
			if (!popover.hidden) close();
			else cancel();
		} else if (key === 'ArrowUp' && !input.value && !mode && !event.altKey && lastOwnMessage()) {
			event.preventDefault();
			edit(lastOwnMessage());
		}
	});
	popover.addEventListener('keydown', (event) => {
		if (event.key === 'Escape') { close(); input.focus(); event.stopPropagation(); }
	});
	document.addEventListener('click', (event) => { if (!popover.hidden && !el.contains(event.target)) close(); });
	state.on('me', () => { drawTools(); drawState(); });
	state.on('rooms', drawState);
	state.on('status', drawState);

	return {
		el,
		edit,
		show(id) {
			if (room && mode?.kind !== 'edit') drafts.set(room, input.value);
			room = id;
			setMode(null);
			close();
			input.value = drafts.get(id) ?? '';
			drawTools();
			drawState();
			resize();
		},
		reply(item) { setMode({ kind: 'reply', item }); input.focus(); },
		get busy() { return Boolean(mode) || !popover.hidden; },
	};
}
