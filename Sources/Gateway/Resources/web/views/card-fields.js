// The parts of a card's dialog that hold lists: ticked choices (assignees, labels), the checklist
// (ticks saved at once, as in Planka: a commenter ticks the items of a card assigned to them) and
// the attachments (a file uploaded to the board's area with the resumable uploads, or a link).

import { h, fill } from '../lib/dom.js';
import { t, formatBytes } from '../lib/i18n.js';
import { icon } from '../lib/icons.js';
import { fileUrl } from '../lib/files.js';
import { iconButton, toast, errorText } from './ui.js';

/** Checkboxes for a set of ids: { el, value() } with the ids ticked, in the list's order. */
export function choiceList(legend, items, chosen, { disabled = false, key }) {
	const boxes = items.map((item) => {
		const input = h('input', { type: 'checkbox', value: item.id, checked: chosen.includes(item.id), disabled, [`data-${key}`]: item.id });
		return { item, input, el: h('label.check', input, item.swatch && h('span', { class: 'swatch c-' + item.swatch, 'aria-hidden': 'true' }),
			h('span', { dir: 'auto' }, item.name)) };
	});
	const el = h('fieldset.options.card-choices', { 'data-choices': key }, h('legend', legend),
		boxes.length ? boxes.map((b) => b.el) : h('p.hint', t('card.noChoices')));
	return { el, value: () => boxes.filter((b) => b.input.checked).map((b) => b.item.id) };
}

/**
 * The checklist: ticks call `onTick(list)` at once; texts, new and removed items wait for Save.
 * `canEdit`: the items themselves; `canTick`: the boxes.
 */
export function checklistEditor(items, { canEdit, canTick, onTick }) {
	let list = items.map((item) => ({ ...item }));
	const el = h('section.card-section.checklist', { 'aria-labelledby': 'checklist-title' });
	const progress = h('progress', { max: 1, value: 0, 'aria-label': t('card.checklist') });
	const text = h('input', { 'data-input': 'checklist-new', maxlength: 500, placeholder: t('card.addItem'), 'aria-label': t('card.addItem') });
	const add = () => {
		if (!text.value.trim()) return;
		list.push({ text: text.value.trim(), done: false });
		text.value = '';
		draw();
		el.querySelector('[data-input="checklist-new"]')?.focus();
	};
	text.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); add(); } });
	function draw() {
		const done = list.filter((i) => i.done).length;
		progress.max = Math.max(1, list.length);
		progress.value = done;
		fill(el, h('h3', { id: 'checklist-title' }, icon('checklist'), t('card.checklist'), list.length > 0 && h('span.muted', ` ${done}/${list.length}`)),
			list.length > 0 && progress,
			h('ul.checklist-items', { role: 'list' }, list.map((item, index) => h('li.checklist-item', { class: item.done ? 'done' : '' },
				h('input', { type: 'checkbox', checked: item.done, disabled: !canTick, 'aria-label': item.text, 'data-item': index,
					onchange: (event) => { item.done = event.target.checked; draw(); onTick(value()); } }),
				canEdit ? h('input.checklist-text', { value: item.text, maxlength: 500, 'aria-label': t('card.itemText'),
					oninput: (event) => { item.text = event.target.value; } }) : h('span', { dir: 'auto' }, item.text),
				canEdit && iconButton('close', t('card.removeItem'), () => { list = list.filter((i) => i !== item); draw(); })))),
			canEdit && h('div.checklist-add', text, h('button.button.small', { 'data-action': 'checklist-add', onclick: add }, t('card.add'))));
	}
	const value = () => list.map(({ text: itemText, done }) => ({ text: itemText.trim(), done })).filter((i) => i.text);
	draw();
	return { el, value, set(items2) { list = items2.map((i) => ({ ...i })); draw(); } };
}

/** An attachment as a request body has it: a file id, or a link and its title. */
export const attachmentBody = (a) => (a.file ? { file: a.file } : { url: a.url, title: a.title || '' });

/**
 * The attachments: downloads (with the read key) and links, removed or added at once through
 * `save(list)`. Files go to the board's own area (`board:<id>`), so every member can read them.
 */
export function attachmentsEditor(attachments, { canEdit, boardId, uploads, save }) {
	const el = h('section.card-section.attachments', { 'aria-labelledby': 'attachments-title' });
	const picker = h('input.sr-only', { type: 'file', multiple: true, tabindex: '-1', 'aria-hidden': 'true', 'data-input': 'card-files' });
	let list = attachments;
	const sending = h('p.hint', { role: 'status' });
	picker.addEventListener('change', async () => {
		const files = [...picker.files];
		picker.value = '';
		for (const file of files) {
			// The chat's transfer tray is out of sight on this screen: the section says it instead.
			sending.textContent = t('card.uploading', { name: file.name });
			try {
				const id = await uploads.sendFile(file, { area: 'board:' + boardId });
				if (id) await save([...list.map(attachmentBody), { file: id }]);
			} catch (error) {
				toast(errorText(error), 'error');
			} finally {
				sending.textContent = '';
			}
		}
	});
	function linkForm() {
		const url = h('input', { type: 'url', placeholder: 'https://', 'aria-label': t('card.linkUrl'), 'data-input': 'link-url' });
		const title = h('input', { placeholder: t('card.linkTitle'), 'aria-label': t('card.linkTitle'), 'data-input': 'link-title' });
		const form = h('div.link-form', url, title, h('button.button.small.primary', { onclick: async () => {
			if (!/^https?:\/\/\S+$/i.test(url.value.trim())) return toast(t('card.linkInvalid'), 'error');
			try {
				await save([...list.map(attachmentBody), { url: url.value.trim(), title: title.value.trim() }]);
				form.remove();
			} catch (error) {
				toast(errorText(error), 'error');
			}
		} }, t('card.add')));
		el.append(form);
		url.focus();
	}
	function row(attachment) {
		let link;
		if (attachment.file) {
			link = h('a', { download: attachment.name || '', dir: 'auto' }, icon('file'), attachment.name || t('card.file'));
			fileUrl(attachment.file).then((href) => { link.href = href; }).catch(() => {});
		} else {
			let safe = null;
			try { safe = ['http:', 'https:'].includes(new URL(attachment.url).protocol) ? attachment.url : null; } catch { /* not a URL */ }
			link = h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer', dir: 'auto' }, icon('link'), attachment.title || attachment.url);
		}
		return h('li.attachment', link, attachment.size != null && h('span.muted', formatBytes(attachment.size)),
			canEdit && iconButton('trash', t('card.removeAttachment'), () => save(list.filter((a) => a !== attachment).map(attachmentBody))
				.catch((error) => toast(errorText(error), 'error'))));
	}
	function draw() {
		fill(el, h('h3', { id: 'attachments-title' }, icon('attach'), t('card.attachmentsTitle')),
			list.length ? h('ul.attachment-list', { role: 'list' }, list.map(row)) : h('p.hint', t('card.noAttachments')),
			canEdit && h('div.button-row',
				h('button.button.small', { 'data-action': 'card-upload', onclick: () => picker.click() }, icon('upload'), t('card.upload')),
				h('button.button.small', { 'data-action': 'card-link', onclick: linkForm }, icon('link'), t('card.addLink'))),
			sending, picker);
	}
	draw();
	return { el, set(next) { list = next; draw(); } };
}
