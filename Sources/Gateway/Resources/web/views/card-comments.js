// A card's conversation and history: comments (formatted as messages are, @mentions of members
// completed as they are typed and notified by the server) and the activity read from the log —
// "Alice moved it from To do to In progress", who and when, oldest first.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatShortDateTime, formatDateTime } from '../lib/i18n.js';
import { formatMessage } from '../lib/format.js';
import { avatar, errorText } from './ui.js';
import { mentionKind } from './message.js';
import { boardPath } from './board.js';

const CHANGED = ['title', 'description', 'assignees', 'deadline', 'priority', 'labels', 'checklist', 'attachments', 'cover'];

const when = (ms) => h('time.muted', { datetime: new Date(ms).toISOString(), title: formatDateTime(ms) }, formatShortDateTime(ms));

/** One line of a card's activity, in words. */
export function activityText(ev, model, name) {
	const who = name(ev.actor);
	const stage = (id) => model.stage(id)?.name ?? t('card.goneStage');
	const lane = (id) => model.lane(id)?.name || t('board.unnamedLane');
	switch (ev.kind) {
		case 'card.created': return t('activity.created', { who, stage: stage(ev.stage) });
		case 'card.moved':
			if (ev.fromStage !== ev.stage) return t('activity.moved', { who, from: stage(ev.fromStage), to: stage(ev.stage) });
			if (ev.fromLane !== ev.lane) return t('activity.movedLane', { who, from: lane(ev.fromLane), to: lane(ev.lane) });
			return t('activity.reordered', { who, stage: stage(ev.stage) });
		case 'card.changed': {
			const fields = CHANGED.filter((f) => f in ev).map((f) => t('card.field.' + f));
			return t('activity.changed', { who, fields: fields.join(', ') });
		}
		case 'card.archived': return t(ev.archived ? 'activity.archived' : 'activity.restored', { who });
		case 'card.commented': return t('activity.commented', { who });
		case 'card.watched': return t(ev.watching ? 'activity.watching' : 'activity.unwatching', { who });
		case 'card.reminder': return t('activity.reminder');
		default: return ev.kind;
	}
}

/** The comments and activity tabs; `add(comment)` appends one that arrived live. */
export function cardTalk(view, card, comments, { canComment }) {
	const state = view.state;
	const model = view.model();
	const mention = mentionKind(state);
	const list = h('ol.comment-list', { 'aria-live': 'polite' });
	const commentEl = (c) => h('li.comment', { 'data-comment': c.id },
		avatar(c.author, view.name(c.author), 'small'),
		h('div.comment-main', h('div.comment-head', h('strong', view.name(c.author)), ' ', when(c.time)),
			h('div.comment-body', { dir: 'auto' }, formatMessage(c.text, mention))));
	fill(list, comments.map(commentEl));

	const text = h('textarea', { rows: 2, maxlength: 10000, 'data-input': 'comment', placeholder: t('card.commentPlaceholder'),
		'aria-label': t('card.commentPlaceholder') });
	const suggestions = h('ul.menu.mention-menu', { role: 'listbox', hidden: true, 'aria-label': t('composer.mention') });
	const error = h('p.form-error', { role: 'alert' });
	const send = async () => {
		const value = text.value.trim();
		if (!value) return;
		error.textContent = '';
		try {
			await api('POST', boardPath(view.id, 'cards', card.id, 'comments'), { text: value });
			text.value = '';
			suggestions.hidden = true;
		} catch (failure) {
			error.textContent = errorText(failure);
		}
	};
	// @ and letters before the caret: the board's members whose name starts so.
	const members = () => model.members.map((m) => state.user(m.user) || (m.user === state.me.user ? { user: m.user, username: state.me.username } : null))
		.filter(Boolean);
	function suggest() {
		const before = text.value.slice(0, text.selectionStart);
		const match = /(^|\s)@([\p{L}\p{Nd}._-]*)$/u.exec(before);
		const found = match ? members().filter((u) => u.username.toLowerCase().startsWith(match[2].toLowerCase())).slice(0, 6) : [];
		suggestions.hidden = !found.length;
		fill(suggestions, found.map((u, i) => h('li', h('button', { role: 'option', 'aria-selected': String(i === 0), 'data-username': u.username,
			onclick: () => complete(u.username, match[2].length) }, `${view.name(u.user)} (@${u.username})`))));
	}
	function complete(username, typed) {
		const at = text.selectionStart;
		text.value = text.value.slice(0, at - typed) + username + ' ' + text.value.slice(at);
		const caret = at - typed + username.length + 1;
		text.setSelectionRange(caret, caret);
		suggestions.hidden = true;
		text.focus();
	}
	text.addEventListener('input', suggest);
	text.addEventListener('keydown', (event) => {
		if ((event.key === 'Tab' || event.key === 'Enter') && !suggestions.hidden && !event.ctrlKey) {
			event.preventDefault();
			suggestions.querySelector('button')?.click();
		} else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
			event.preventDefault();
			send();
		} else if (event.key === 'Escape' && !suggestions.hidden) {
			event.preventDefault();
			event.stopPropagation();
			suggestions.hidden = true;
		}
	});

	const activity = h('ol.activity-list');
	const panels = {
		comments: h('div.card-panel', { role: 'tabpanel', id: 'card-comments' }, list,
			canComment && h('div.comment-form', text, suggestions, error,
				h('button.button.small.primary', { 'data-action': 'comment', onclick: send }, t('card.comment')))),
		activity: h('div.card-panel', { role: 'tabpanel', id: 'card-activity', hidden: true }, activity),
	};
	const tabs = h('div.tabs', { role: 'tablist' }, ['comments', 'activity'].map((key) => h('button', { role: 'tab', 'data-tab': key,
		'aria-controls': 'card-' + key, 'aria-selected': String(key === 'comments'), onclick: () => choose(key) }, t('card.tab.' + key))));
	async function choose(key) {
		for (const button of tabs.children) button.setAttribute('aria-selected', String(button.dataset.tab === key));
		for (const [name, panel] of Object.entries(panels)) panel.hidden = name !== key;
		if (key === 'activity') await loadActivity();
	}
	async function loadActivity() {
		fill(activity, h('li.muted', t('common.loading')));
		try {
			const reply = await api('GET', boardPath(view.id, 'cards', card.id, 'activity'));
			fill(activity, reply.activity.slice().reverse().map((ev) => h('li.activity', { 'data-kind': ev.kind },
				h('span', activityText(ev, model, view.name)), ' ', when(ev.time))));
		} catch (failure) {
			fill(activity, h('li.form-error', errorText(failure)));
		}
	}
	return {
		el: h('section.card-section.card-talk', tabs, panels.comments, panels.activity),
		add: (comment) => list.append(commentEl(comment)),
		refreshActivity: () => !panels.activity.hidden && loadActivity(),
	};
}
