// Files on their way, above the composer: each with its progress, speed and time left, and a
// cancel button; a failure says why; uploads a reload interrupted say how to continue them.

import { h, fill, coalesce } from '../lib/dom.js';
import { t, formatBytes } from '../lib/i18n.js';
import { iconButton, errorText } from './ui.js';

/** "1 min 5 s", "12 s": a short time left. */
function formatLeft(seconds) {
	const s = Math.ceil(seconds);
	if (s < 60) return t('transfers.seconds', { count: s });
	const m = Math.floor(s / 60);
	return m < 60 ? t('transfers.minutes', { m, s: s % 60 }) : t('transfers.hours', { h: Math.floor(m / 60), m: m % 60 });
}

export function createTransfers(uploads) {
	const el = h('div.transfers', { role: 'region', 'aria-label': t('transfers.label') });
	const render = coalesce(draw);
	// Speed and time left move between progress events too.
	let ticker = null;

	function row(transfer) {
		const percent = transfer.total ? Math.floor((transfer.sent / transfer.total) * 100) : 100;
		const speed = transfer.speed;
		const left = transfer.secondsLeft;
		const status = transfer.state === 'failed' ? t('transfers.failed', { reason: errorText(transfer.error) })
			: transfer.state === 'cancelled' ? t('transfers.cancelled')
				: transfer.state === 'done' ? t('transfers.done')
					: transfer.state === 'retrying' ? t('transfers.retrying')
						: [t('transfers.progress', { sent: formatBytes(transfer.sent), total: formatBytes(transfer.total) }),
							speed > 0 && ' · ' + t('transfers.speed', { speed: formatBytes(speed) }),
							left != null && ' · ' + t('transfers.left', { time: formatLeft(left) })].filter(Boolean).join('');
		return h('li.transfer', { class: 'transfer-' + transfer.state, 'data-transfer': transfer.id },
			h('div.transfer-head', h('span.transfer-name', { dir: 'auto' }, transfer.label,
				transfer.kind === 'folder' && h('span.transfer-count', ' ' + t('transfers.files', { count: transfer.count }))),
			transfer.resumedAt != null && h('span.tag', t('transfers.resumed', { at: formatBytes(transfer.resumedAt) })),
			transfer.state === 'sending' || transfer.state === 'retrying'
				? iconButton('close', t('transfers.cancel', { name: transfer.label }), () => uploads.cancel(transfer), { 'data-action': 'cancel-upload' })
				: transfer.state === 'failed' && iconButton('close', t('common.close'), () => uploads.dismiss(transfer))),
			h('progress', { max: 100, value: percent, 'aria-label': transfer.label }),
			h('p.transfer-status', { role: transfer.state === 'failed' ? 'alert' : null }, status));
	}

	function unfinishedRow(record) {
		const percent = record.size ? Math.floor((record.offset / record.size) * 100) : 0;
		return h('li.transfer.transfer-unfinished', { 'data-unfinished': record.fingerprint },
			h('div.transfer-head', h('span.transfer-name', { dir: 'auto' }, record.name),
				iconButton('close', t('transfers.discard', { name: record.name }), () => uploads.discard(record.fingerprint),
					{ 'data-action': 'discard-upload' })),
			h('p.transfer-status', t('transfers.unfinished', { percent })));
	}

	function draw() {
		const busy = uploads.transfers.some((tr) => tr.state === 'sending' || tr.state === 'retrying');
		const running = new Set(uploads.transfers.flatMap((tr) => tr.fingerprints || []));
		const unfinished = uploads.unfinished().filter((r) => !running.has(r.fingerprint));
		el.hidden = !uploads.transfers.length && !unfinished.length;
		fill(el, h('ul.transfer-list', { role: 'list' }, uploads.transfers.map(row), unfinished.map(unfinishedRow)));
		clearInterval(ticker);
		if (busy) ticker = setInterval(render, 500);
	}

	draw();
	return { el, render };
}
