// Small SVG charts for the statistics dashboard (ADR 013): a line or bar chart of one series over
// time, and horizontal bars for a ranking. SVG elements built in code (no markup strings, no
// inline styles: the CSP holds), coloured by classes, readable by screen readers through a
// table the caller gives beside each chart.

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attributes = {}, ...children) {
	const node = document.createElementNS(SVG, name);
	for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
	for (const child of children) if (child) node.append(child);
	return node;
}

function text(x, y, content, attributes = {}) {
	const node = el('text', { x, y, ...attributes });
	node.textContent = content;
	return node;
}

/** A round upper bound for an axis: 7 → 8, 130 → 150, 0 → 1. */
export function niceMax(value) {
	if (value <= 0) return 1;
	const power = 10 ** Math.floor(Math.log10(value));
	return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * power).find((m) => m >= value);
}

/**
 * A chart of `values` (numbers) under `labels` (strings, one per value; every `labelEvery`-th is
 * drawn): `kind` 'line' or 'bar'. `title` names it for assistive technology.
 */
export function timeChart({ values, labels, title, kind = 'line', labelEvery = 1, format = String }) {
	const width = 640;
	const height = 200;
	const left = 44;
	const bottom = 22;
	const top = 8;
	const plotWidth = width - left - 8;
	const plotHeight = height - top - bottom;
	const max = niceMax(Math.max(0, ...values));
	const x = (i) => left + (values.length <= 1 ? plotWidth / 2 : (i * plotWidth) / (values.length - 1));
	const y = (v) => top + plotHeight - (v / max) * plotHeight;
	const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
	for (const fraction of [0, 0.5, 1]) {
		const value = max * fraction;
		svg.append(el('line', { x1: left, x2: width - 8, y1: y(value), y2: y(value), class: 'chart-grid' }),
			text(left - 6, y(value) + 4, format(value), { class: 'chart-axis', 'text-anchor': 'end' }));
	}
	if (kind === 'bar') {
		const slot = plotWidth / Math.max(values.length, 1);
		values.forEach((v, i) => svg.append(el('rect', {
			x: left + i * slot + slot * 0.15, y: y(v), width: Math.max(slot * 0.7, 1), height: Math.max(plotHeight + top - y(v), 0),
			class: 'chart-bar', 'data-value': v,
		}, el('title', {}, document.createTextNode(`${labels[i]}: ${format(v)}`)))));
	} else if (values.length) {
		const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
		svg.append(el('polyline', { points: `${left},${y(0)} ${points} ${x(values.length - 1)},${y(0)}`, class: 'chart-area' }),
			el('polyline', { points, class: 'chart-line' }));
	}
	labels.forEach((label, i) => {
		if (i % labelEvery !== 0) return;
		const at = kind === 'bar' ? left + (i + 0.5) * (plotWidth / Math.max(values.length, 1)) : x(i);
		svg.append(text(at, height - 6, label, { class: 'chart-axis', 'text-anchor': 'middle' }));
	});
	return svg;
}

/** Horizontal bars: [{ label, value }], largest first, each bar's length to scale. */
export function rankingChart(items, title, format = String) {
	const rowHeight = 24;
	const width = 640;
	const labelWidth = 200;
	const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
	const svg = el('svg', { viewBox: `0 0 ${width} ${Math.max(items.length, 1) * rowHeight + 4}`, class: 'chart', role: 'img',
		'aria-label': title });
	items.forEach((item, i) => {
		const y = i * rowHeight + 4;
		const length = ((width - labelWidth - 60) * item.value) / max;
		svg.append(text(labelWidth - 8, y + 15, item.label, { class: 'chart-label', 'text-anchor': 'end' }),
			el('rect', { x: labelWidth, y: y + 3, width: Math.max(length, 1), height: rowHeight - 8, class: 'chart-bar' }),
			text(labelWidth + length + 6, y + 15, format(item.value), { class: 'chart-axis' }));
	});
	return svg;
}
