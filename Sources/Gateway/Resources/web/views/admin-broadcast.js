// Admin: an announcement to everyone, to some rights groups or to some people
// (POST /api/v1/admin/broadcast). It stays in their Announcements; connected ones also see it at once.
// A must-read one blocks each recipient's chat until they confirm; its read list is below the form.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, foldForSearch } from '../lib/i18n.js';
import { field, checkbox, submitting, toast } from './ui.js';
import { mustReadSection, rememberMustRead } from './admin-must-read.js';

const AUDIENCES = ['everyone', 'groups', 'users'];

/** The radio buttons of the audience, "everyone" first and chosen. */
function audienceChoice(onChange) {
	const radios = AUDIENCES.map((value) => h('input', { type: 'radio', name: 'audience', value, checked: value === 'everyone',
		onchange: onChange }));
	const el = h('fieldset.options', h('legend', t('admin.broadcastAudience')),
		radios.map((radio) => h('label.check', radio, h('span', t('admin.audience.' + radio.value)))));
	return { el, value: () => radios.find((r) => r.checked).value };
}

/** Checkboxes for people, with a filter: an office may have hundreds. */
export function peoplePicker(users) {
	const boxes = users.map((u) => ({ user: u, ...checkbox(`${u.displayName || u.username} (@${u.username})`,
		{ 'data-user': u.user }) }));
	const filter = h('input', { type: 'search', autocomplete: 'off', 'aria-label': t('admin.broadcastFilter'),
		placeholder: t('admin.broadcastFilter') });
	filter.addEventListener('input', () => {
		const words = foldForSearch(filter.value).split(/\s+/).filter(Boolean);
		for (const box of boxes) {
			const text = foldForSearch(`${box.user.displayName} ${box.user.username}`);
			box.el.hidden = !words.every((word) => text.includes(word));
		}
	});
	const el = h('fieldset.options', { 'data-audience': 'users' }, h('legend', t('admin.audience.users')), filter,
		h('div.pick-list', boxes.map((b) => b.el)));
	return { el, chosen: () => boxes.filter((b) => b.input.checked).map((b) => b.user.user) };
}

export async function broadcastPanel(panel) {
	const [users, groups] = await Promise.all([api('GET', 'admin/users'), api('GET', 'admin/groups')]);
	const name = (u) => u.displayName || u.username;
	const active = users.filter((u) => !u.disabled).sort((a, b) => name(a).localeCompare(name(b)));
	const text = h('textarea', { name: 'text', rows: 4, maxlength: 4000 });
	const groupBoxes = groups.map((g) => ({ id: g.id, ...checkbox(g.name, { 'data-group': g.id }) }));
	const groupPicker = h('fieldset.options', { 'data-audience': 'groups' }, h('legend', t('admin.audience.groups')),
		groupBoxes.map((b) => b.el));
	const people = peoplePicker(active);
	const mustRead = checkbox(t('admin.broadcastMustRead'), { name: 'mustRead', 'data-input': 'must-read' });
	const audience = audienceChoice(() => show());
	const sent = h('p.form-success', { role: 'status' });
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.broadcast-form', { 'aria-label': t('admin.tab.broadcast') },
		field(t('admin.broadcastText'), text), audience.el, groupPicker, people.el, mustRead.el,
		h('p.hint', t('admin.broadcastMustReadHint')),
		h('div', h('button.button.primary', { type: 'submit', 'data-action': 'broadcast' }, t('admin.broadcastSend')), error, sent));

	function show() {
		groupPicker.hidden = audience.value() !== 'groups';
		people.el.hidden = audience.value() !== 'users';
	}

	/** The request's body; a string thrown is shown as the form's error. */
	function body() {
		const message = text.value.trim();
		if (!message) throw t('admin.broadcastEmpty');
		if (audience.value() === 'users') {
			const recipients = people.chosen();
			if (!recipients.length) throw t('admin.broadcastNoUser');
			return { text: message, recipients };
		}
		if (audience.value() === 'groups') {
			const chosen = groupBoxes.filter((b) => b.input.checked).map((b) => b.id);
			if (!chosen.length) throw t('admin.broadcastNoGroup');
			// The members too: a server that predates `groups` ignores it, and with no recipients it
			// would tell everyone. One that knows it sends to both (the same people).
			const recipients = active.filter((u) => u.groups.some((g) => chosen.includes(g))).map((u) => u.user);
			if (!recipients.length) throw t('admin.broadcastGroupsEmpty');
			return { text: message, groups: chosen, recipients };
		}
		return { text: message };
	}

	submitting(form, error, async () => {
		sent.textContent = '';
		const request = { ...body(), mustRead: mustRead.input.checked };
		const answer = await api('POST', 'admin/broadcast', request);
		if (request.mustRead) {
			rememberMustRead({ position: answer.position, text: request.text, time: Date.now() });
			reads.load();
		}
		const done = request.recipients ? t('admin.broadcastSent', { count: request.recipients.length }) : t('admin.broadcastSentAll');
		sent.textContent = done;
		toast(done);
		text.value = '';
		mustRead.input.checked = false;
	});
	text.addEventListener('input', () => { sent.textContent = ''; });

	show();
	const reads = mustReadSection(users);
	fill(panel, h('section.admin-section', h('h2', t('admin.tab.broadcast')), h('p.hint', t('admin.broadcastIntro')), form), reads.el);
}
