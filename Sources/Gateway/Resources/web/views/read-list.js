// Who has confirmed reading a must-read notice or broadcast, and when; who has not yet; when
// reminders went; and "Remind" for those left (its author and administrators: GET …/reads,
// POST …/remind). Shared by the bulletin board and the admin page's Broadcast tab.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatShortDateTime, formatDateTime } from '../lib/i18n.js';
import { errorText } from './ui.js';

/** `reads` and `remind`: API paths; `name(user)`: a display name; `mustRead`: offer Remind. */
export function readList({ reads, remind, name, mustRead = true }) {
	const el = h('section.read-list', { 'aria-label': t('reads.title'), 'aria-live': 'polite' }, h('p.muted', t('common.loading')));
	const status = h('p.form-success', { role: 'status' });

	async function load() {
		try {
			const list = await api('GET', reads);
			const person = (user) => h('li', { 'data-user': user }, name(user));
			fill(el,
				h('div.read-columns',
					h('div', h('h4', t('reads.read', { count: list.read.length })),
						list.read.length ? h('ul.read-people', { role: 'list' }, list.read.map(({ user, at }) => h('li', { 'data-user': user },
							h('span', name(user)), ' ', h('time.muted', { datetime: new Date(at).toISOString(), title: formatDateTime(at) },
								formatShortDateTime(at))))) : h('p.hint', t('reads.nobodyYet'))),
					h('div', h('h4', t('reads.unread', { count: list.unread.length })),
						list.unread.length ? h('ul.read-people.pending', { role: 'list' }, list.unread.map(person)) : h('p.hint', t('reads.everyone')))),
				list.reminders.length > 0 && h('p.hint', t('reads.reminded', { dates: list.reminders.map(formatShortDateTime).join(', ') })),
				mustRead && list.unread.length > 0 && h('div.button-row', h('button.button.small', { 'data-action': 'remind', onclick: async (event) => {
					event.currentTarget.disabled = true;
					try {
						await api('POST', remind);
						status.textContent = t('reads.remindedNow', { count: list.unread.length });
						await load();
					} catch (error) {
						status.textContent = errorText(error);
					}
				} }, t('reads.remind'))),
				status);
		} catch (error) {
			fill(el, h('p.form-error', { role: 'alert' }, errorText(error)));
		}
	}
	load();
	return { el, load };
}
