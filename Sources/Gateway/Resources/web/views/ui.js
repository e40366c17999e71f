// Small shared widgets: icon buttons, avatars, presence dots, dialogs, toasts, error text.

import { h, initials, colourClass } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, has } from '../lib/i18n.js';

export function iconButton(name, label, onclick, props = {}) {
	return h('button.icon-button', { 'aria-label': label, title: label, onclick, ...props },
		icon(name));
}

export function avatar(id, name, size = '') {
	return h('span', { class: `avatar ${colourClass(id)} ${size}`, 'aria-hidden': 'true' }, initials(name));
}

export function presenceDot(status) {
	const known = ['online', 'away', 'offline'].includes(status) ? status : 'offline';
	return h('span', { class: 'presence presence-' + known, role: 'img', 'aria-label': t('presence.' + known),
		title: t('presence.' + known) });
}

/** A small "bot" tag after the name of a bot account (bot: true in the welcome's users). */
export function botTag(user) {
	return user?.bot ? h('span.tag.bot-tag', t('people.bot')) : null;
}

/** The user's words for a server refusal: our translation of its reason when we have one. */
export function errorText(error) {
	if (!error) return '';
	const [reason, detail] = String(error.reason || '').split(':');
	if (reason && has('error.' + reason)) {
		return t('error.' + reason, { detail: detail && has('perm.' + detail) ? t('perm.' + detail) : detail ?? '',
			seconds: error.retryAfter ?? '' });
	}
	if (error.message && error.code !== 'offline') return error.message;
	return t('error.code.' + (error.code || 'unavailable'));
}

let toastRegion = null;

/**
 * A short message at the top of the screen (role=status: read out, not focused): text or nodes.
 * With `onclick` it is a button that does something (and goes); it stays while pointed at or
 * focused, so that it does not vanish under the mouse or the keyboard.
 */
export function toast(content, kind = 'info', { onclick, ms = kind === 'error' ? 7000 : 4000 } = {}) {
	if (!toastRegion) {
		toastRegion = h('div.toasts', { role: 'status', 'aria-live': 'polite' });
		document.body.append(toastRegion);
	}
	const el = onclick
		? h('button', { class: 'toast toast-action toast-' + kind, onclick: () => { el.remove(); onclick(); } }, content)
		: h('div', { class: 'toast toast-' + kind }, content);
	toastRegion.append(el);
	const expire = () => (onclick && el.matches(':hover, :focus') ? setTimeout(expire, 1000) : el.remove());
	setTimeout(expire, ms);
}

/** Runs `action` on submit; a failure shows in `error` (role=alert) and the form stays as typed. */
export function submitting(form, error, action) {
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		error.textContent = '';
		const button = form.querySelector('[type=submit]');
		if (button) button.disabled = true;
		try {
			await action();
		} catch (failure) {
			error.textContent = typeof failure === 'string' ? failure : errorText(failure);
		} finally {
			if (button) button.disabled = false;
		}
	});
}

/**
 * A modal dialog (native <dialog>: focus trap, Esc, aria-modal for free). `onSubmit` may return
 * a promise; a rejection shows its error text and keeps the dialog open.
 */
export function openDialog({ title, body, submitLabel, onSubmit, className = '', cancelLabel }) {
	const error = h('p.form-error', { role: 'alert' });
	const titleId = 'dialog-title-' + Math.random().toString(36).slice(2);
	const submit = submitLabel ? h('button', { type: 'submit', class: 'button primary' }, submitLabel) : null;
	const form = h('form.dialog-form', { method: 'dialog', novalidate: true },
		h('header.dialog-head',
			h('h2', { id: titleId }, title),
			iconButton('close', t('common.close'), () => close())),
		h('div.dialog-body', body),
		error,
		h('footer.dialog-actions',
			h('button.button', { onclick: () => close() },
				cancelLabel || (submit ? t('common.cancel') : t('common.close'))),
			submit));
	const dialog = h('dialog', { class: 'dialog ' + className, 'aria-labelledby': titleId }, form);
	const close = () => { if (dialog.open) dialog.close(); };
	dialog.addEventListener('close', () => dialog.remove());
	submitting(form, error, async () => {
		if (!onSubmit || (await onSubmit()) !== false) close();
	});
	document.body.append(dialog);
	dialog.showModal();
	return { dialog, close, error };
}

/** A label over its control and hint; the two go together so that forms laid out in a grid can
 * line up labels and controls across a row while each hint stays under its own control. */
export function field(label, control, hint) {
	const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2));
	return h('div.field',
		h('label', { for: id }, label),
		h('div.field-body', control, hint ? h('p.hint', hint) : null));
}

export function checkbox(label, props = {}) {
	const input = h('input', { type: 'checkbox', ...props });
	return { input, el: h('label.check', input, h('span', label)) };
}

/**
 * A date and a time input, read as milliseconds (local time); null while the date is empty.
 * `seconds`: the time to the second (the board as it was a moment ago), else to the minute.
 */
export function dateTimeInputs(ms, names = ['date', 'time'], { seconds = false } = {}) {
	const local = ms == null ? null : new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString();
	const date = h('input', { type: 'date', name: names[0], value: local ? local.slice(0, 10) : '' });
	const time = h('input', { type: 'time', name: names[1], step: seconds ? 1 : 60, value: local ? local.slice(11, seconds ? 19 : 16) : '' });
	const read = () => {
		if (!date.value) return null;
		const [y, m, d] = date.value.split('-').map(Number);
		const [hh, mm, ss = 0] = (time.value || '00:00').split(':').map(Number);
		return new Date(y, m - 1, d, hh, mm, ss).getTime();
	};
	return { date, time, read };
}
