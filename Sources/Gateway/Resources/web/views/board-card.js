// One card on a board, as a small tile: cover, labels, title, then a line of facts — priority,
// deadline (late in red, soon in amber), checklist progress, comments, assignees' initials.
// Built for speed (a column draws fifty at a time, a board opens in a blink): plain
// createElement calls, no closures per card; what is clicked is found from data-card.

import { h, initials, colourClass } from '../lib/dom.js';
import { t, formatDayMonth, formatDateTime, formatShortDateTime } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { deadlineState, checklistProgress } from '../lib/boards.js';

/** A deadline as a short date, with the time when it is not midnight. */
export function shortDeadline(ms) {
	const date = new Date(ms);
	return date.getHours() || date.getMinutes() ? formatShortDateTime(ms) : formatDayMonth(ms);
}

/** The tile of `card` (an <li> with tabindex so that the keyboard can reach and move it). */
export function cardNode(card, { board, name, draggable }) {
	const stage = board.stage(card.stage);
	const li = document.createElement('li');
	li.className = 'card' + (card.cover ? ' has-cover' : '');
	li.dataset.card = card.id;
	li.tabIndex = 0;
	li.setAttribute('aria-roledescription', t('board.card'));
	if (draggable) li.setAttribute('aria-describedby', 'board-move-hint');
	if (card.cover) li.append(h('div', { class: 'card-cover c-' + card.cover, 'aria-hidden': 'true' }));
	if (card.labels.length) {
		const labels = h('div.card-labels');
		for (const id of card.labels) {
			const label = board.label(id);
			if (label) labels.append(h('span', { class: 'card-label c-' + label.colour, title: label.name }, label.name));
		}
		li.append(labels);
	}
	const title = document.createElement('p');
	title.className = 'card-title';
	title.dir = 'auto';
	title.textContent = card.title;
	li.append(title);
	const facts = [];
	if (card.priority !== 'none' && card.priority !== 'normal') {
		facts.push(h('span', { class: 'card-priority p-' + card.priority }, t('priority.' + card.priority)));
	}
	if (card.deadline != null) {
		const late = deadlineState(card, stage?.done);
		facts.push(h('time', { class: 'card-due' + (late ? ' ' + late : ''), datetime: new Date(card.deadline).toISOString(),
			title: t(late === 'overdue' ? 'card.overdue' : 'card.due', { date: formatDateTime(card.deadline) }) },
		icon('clock'), shortDeadline(card.deadline)));
	}
	const progress = checklistProgress(card);
	if (progress) {
		facts.push(h('span', { class: 'card-check' + (progress.done === progress.total ? ' complete' : ''),
			title: t('card.checklistProgress', { done: progress.done, total: progress.total }) }, icon('checklist'), `${progress.done}/${progress.total}`));
	}
	if (card.comments) facts.push(h('span.card-fact', { title: t('card.comments', { count: card.comments }) }, icon('comment'), String(card.comments)));
	if (card.attachments.length) {
		facts.push(h('span.card-fact', { title: t('card.attachments', { count: card.attachments.length }) }, icon('attach'), String(card.attachments.length)));
	}
	if (card.assignees.length) {
		const people = h('span.card-people');
		for (const user of card.assignees.slice(0, 4)) {
			people.append(h('span', { class: 'card-person ' + colourClass(user), title: name(user) }, initials(name(user))));
		}
		if (card.assignees.length > 4) people.append(h('span.card-person.more', '+' + (card.assignees.length - 4)));
		facts.push(people);
	}
	if (facts.length) li.append(h('div.card-facts', facts));
	return li;
}
