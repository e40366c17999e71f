// Admin: the statistics dashboard — now, and over a day, a week, a month or a year: people
// online, connections and logins, messages, traffic, the busiest rooms, time online per person
// (GET admin/statistics, admin/statistics/history, admin/status). CSV for a spreadsheet.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatNumber, formatBytes, formatHours, formatTime, formatDayMonth } from '../lib/i18n.js';
import { uptime } from './admin-server.js';
import { timeChart, rankingChart } from '../lib/chart.js';
import { download } from './admin-invitations.js';

const RANGES = ['day', 'week', 'month', 'year'];
const COLUMNS = ['time', 'usersOnline', 'connectionsOnline', 'connections', 'logins', 'messages', 'bytesIn', 'bytesOut', 'activeUsers'];
let chosen = 'week';

/** The points as CSV (RFC 4180; times in ISO 8601 UTC), for a spreadsheet. */
export function historyCSV(history) {
	const rows = history.points.map((p) => COLUMNS.map((c) => (c === 'time' ? new Date(p.time).toISOString() : p[c] ?? '')));
	return [COLUMNS, ...rows].map((row) => row.join(',')).join('\r\n') + '\r\n';
}

/** Messages per room and day as CSV: a row per room, a column per (UTC) day. */
export function roomsCSV(history) {
	const quote = (text) => (/[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text);
	const header = ['room', 'name', ...history.days.map((d) => new Date(d).toISOString().slice(0, 10))];
	const rows = history.roomsByDay.map((r) => [r.room, quote(r.visibility === 'direct' ? '' : r.name), ...r.messages]);
	return [header, ...rows].map((row) => row.join(',')).join('\r\n') + '\r\n';
}

function card(key, value) {
	return h('div.stat-card', { 'data-stat': key }, h('div.stat-value', value), h('div.stat-label', t('admin.stat.' + key)));
}

function chartSection(key, history, field, kind, format = formatNumber) {
	const hourly = history.bucket === 'hour';
	const labels = history.points.map((p) => (hourly ? formatTime(p.time) : formatDayMonth(p.time)));
	const every = Math.max(1, Math.ceil(history.points.length / 8));
	return h('figure.chart-box', { 'data-chart': key },
		h('figcaption', t('admin.chart.' + key)),
		timeChart({ values: history.points.map((p) => p[field] ?? 0), labels, title: t('admin.chart.' + key), kind, labelEvery: every, format }));
}

export async function statisticsPanel(panel) {
	const [now, status, history, users] = await Promise.all([api('GET', 'admin/statistics'), api('GET', 'admin/status'),
		api('GET', 'admin/statistics/history?range=' + chosen), api('GET', 'admin/users')]);
	const rangeButtons = h('div.segmented', { role: 'group', 'aria-label': t('admin.range') }, RANGES.map((range) =>
		h('button.button.small', { 'data-range': range, 'aria-pressed': String(range === chosen),
			onclick: () => { chosen = range; statisticsPanel(panel); } }, t('admin.range.' + range))));
	const nameOf = (id) => { const u = users.find((x) => x.user === id); return u ? u.displayName || u.username : id; };
	const people = Object.entries(now.perUser).sort((a, b) => b[1].secondsOnline - a[1].secondsOnline).slice(0, 15);
	const traffic = (p) => p.bytesIn + p.bytesOut;

	fill(panel,
		h('section.admin-section', h('h2', t('admin.now')),
			h('div.stat-cards',
				card('usersOnline', formatNumber(now.usersOnline)), card('connections', formatNumber(now.connections)),
				card('accounts', formatNumber(now.accounts)), card('rooms', formatNumber(now.rooms)),
				card('messages', formatNumber(now.server.messages)), card('traffic', formatBytes(now.server.bytesIn + now.server.bytesOut)),
				card('logSize', formatBytes(status.log.bytes)), card('logHead', formatNumber(status.log.position)),
				card('uptime', uptime(status.uptimeSeconds)))),
		h('section.admin-section',
			h('div.section-head', h('h2', t('admin.overTime')), rangeButtons,
				h('button.button.small', { 'data-action': 'csv', onclick: () => download(`causerie-statistics-${chosen}.csv`, historyCSV(history),
					'text/csv') }, t('admin.downloadCSV')),
				h('button.button.small', { 'data-action': 'rooms-csv', onclick: () => download(`causerie-rooms-${chosen}.csv`, roomsCSV(history),
					'text/csv') }, t('admin.downloadRoomsCSV'))),
			h('div.chart-grid',
				chartSection('usersOnline', history, 'usersOnline', 'line'),
				chartSection('messages', history, 'messages', 'bar'),
				chartSection('connections', history, 'connections', 'bar'),
				h('figure.chart-box', { 'data-chart': 'traffic' }, h('figcaption', t('admin.chart.traffic')),
					timeChart({ values: history.points.map(traffic), labels: history.points.map((p) => (history.bucket === 'hour'
						? formatTime(p.time) : formatDayMonth(p.time))), title: t('admin.chart.traffic'), kind: 'bar',
					labelEvery: Math.max(1, Math.ceil(history.points.length / 8)), format: formatBytes })))),
		h('section.admin-section', h('h2', t('admin.busiestRooms')),
			history.busiestRooms.length
				? rankingChart(history.busiestRooms.map((r) => ({ label: r.visibility === 'direct' ? t('admin.roomKind.direct') : r.name,
					value: r.messages })), t('admin.busiestRooms'), formatNumber)
				: h('p.muted', t('admin.noMessages'))),
		h('section.admin-section', h('h2', t('admin.timeOnlinePerPerson')),
			h('div.table-wrap', h('table.table', { 'data-table': 'people' },
				h('thead', h('tr', ['admin.username', 'admin.timeOnline', 'admin.stat.connections', 'admin.stat.messages', 'admin.stat.traffic']
					.map((key) => h('th', { scope: 'col' }, t(key))))),
				h('tbody', people.map(([id, totals]) => h('tr', { 'data-user': id },
					h('td', nameOf(id)), h('td', formatHours(totals.secondsOnline)), h('td', formatNumber(totals.connections)),
					h('td', formatNumber(totals.messages)), h('td', formatBytes(totals.bytesIn + totals.bytesOut)))))))));
}
