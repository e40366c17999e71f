// Admin: filters (flood, words, server password, addresses) and server settings.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, formatBytes, formatNumber, formatDateTime, formatDate } from '../lib/i18n.js';
import { field, checkbox, errorText, submitting, toast } from './ui.js';

/**
 * A form of [name, kind, label key, hint key] controls filled from `values`, whose submit PUTs
 * them back (lists as one item a line, numbers as numbers) after `adjust(body)`.
 */
function settingsForm(panel, title, path, values, specs, adjust = (body) => body, before = null) {
	const controls = specs.map(([name, kind, label, hint]) => {
		const value = values[name];
		const control = kind === 'check' ? checkbox(t(label), { name, checked: value })
			: kind === 'lines' ? h('textarea', { name, rows: 3 }, (value || []).join('\n'))
				: kind === 'select' ? h('select', { name }, ['mask', 'reject'].map((m) =>
					h('option', { value: m, selected: value === m }, t('admin.wordMode.' + m))))
					: h('input', { name, type: kind, value: value ?? '', autocomplete: 'off', min: kind === 'number' ? 0 : null });
		return { name, kind, control, el: kind === 'check' ? control.el : field(t(label), control, hint && t(hint)) };
	});
	const error = h('p.form-error', { role: 'alert' });
	const form = h('form.admin-form', controls.map((c) => c.el),
		h('div', h('button.button.primary', { type: 'submit', 'data-action': 'save' }, t('common.save')), error));
	submitting(form, error, async () => {
		const body = {};
		for (const { name, kind, control } of controls) {
			body[name] = kind === 'check' ? control.input.checked : kind === 'number' ? Number(control.value)
				: kind === 'lines' ? control.value.split('\n').map((s) => s.trim()).filter(Boolean)
				: kind === 'password' ? control.value : control.value.trim();
		}
		await api('PUT', path, adjust(body));
		toast(t('settings.saved'));
	});
	fill(panel, before, h('section.admin-section', h('h2', t(title)), form));
}

export async function filtersPanel(panel) {
	const filters = await api('GET', 'admin/filters');
	settingsForm(panel, 'admin.tab.filters', 'admin/filters', { ...filters, serverPassword: '', removePassword: false }, [
		['floodBurst', 'number', 'admin.floodBurst', 'admin.floodBurstHint'],
		['floodPerMinute', 'number', 'admin.floodPerMinute'],
		['words', 'lines', 'admin.words', 'admin.wordsHint'],
		['wordMode', 'select', 'admin.wordModeLabel'],
		['serverPassword', 'password', 'admin.serverPassword',
			filters.serverPasswordSet ? 'admin.serverPasswordSet' : 'admin.serverPasswordNone'],
		['removePassword', 'check', 'admin.removeServerPassword'],
		['allow', 'lines', 'admin.allow', 'admin.cidrHint'],
		['deny', 'lines', 'admin.deny', 'admin.cidrHint'],
	], ({ removePassword, serverPassword, ...body }) => {
		// Left empty, the server password stays as it is; removing it is an explicit choice.
		if (removePassword) body.serverPassword = '';
		else if (serverPassword) body.serverPassword = serverPassword;
		return body;
	});
}

/** A definition list of [label key, value] pairs (values as text or nodes). */
function facts(pairs) {
	return h('dl.facts', pairs.filter(([, v]) => v !== null && v !== undefined)
		.map(([key, value]) => [h('dt', t(key)), h('dd', value)]));
}

/** Seconds as days, hours and minutes: how long the server has run. */
export function uptime(seconds) {
	const days = Math.floor(seconds / 86400);
	const hours = Math.floor((seconds % 86400) / 3600);
	const minutes = Math.floor((seconds % 3600) / 60);
	return t('admin.uptimeValue', { days, hours, minutes });
}

/**
 * LAN discovery switched off and on, live (PUT admin/discovery); a switch the start-up options
 * turned off is shown off and cannot be changed here.
 */
function discoverySwitches(discovery) {
	const one = (field, label, on, available, hint) => {
		const box = checkbox(label, { checked: on, disabled: !available, 'data-discovery': field });
		box.input.addEventListener('change', async () => {
			try {
				await api('PUT', 'admin/discovery', { [field]: box.input.checked });
				toast(t('settings.saved'));
			} catch (error) {
				box.input.checked = !box.input.checked;
				toast(errorText(error), 'error');
			}
		});
		return h('div', box.el, available ? null : h('p.hint', t(hint)));
	};
	return h('div.discovery-switches',
		one('broadcast', t('admin.broadcastSwitch', { port: discovery.broadcastPort ?? '—' }), discovery.broadcast,
			discovery.broadcastPort != null, 'admin.broadcastUnavailable'),
		one('multicastDNS', t('admin.mdnsSwitch'), discovery.multicastDNS, discovery.multicastDNSAvailable, 'admin.mdnsUnavailable'));
}

/** The file server: WebDAV's address, FTP's port and encryption, and plainly whether passwords
 * may travel in clear text (started with --allow-plain-passwords). */
function fileServerFacts(files) {
	return [h('h3', t('admin.fileServer')),
		facts([
			['admin.webdav', h('code', location.origin + files.webdav)],
			['admin.ftp', files.ftpPort ? t(files.ftpTLS ? 'admin.ftpTLS' : 'admin.ftpPlain', { port: files.ftpPort }) : t('admin.ftpOff')],
		]),
		h('p', { class: files.plainPasswords ? 'form-error' : 'hint', 'data-plain-passwords': String(files.plainPasswords) },
			t(files.plainPasswords ? 'admin.plainPasswordsOn' : 'admin.plainPasswordsOff'))];
}

/** What runs and how: version, uptime, the log, the certificate and its authority, discovery. */
function statusSection(status) {
	const tls = status.tls;
	return h('section.admin-section.server-status', { 'data-slot': 'status' },
		h('h2', t('admin.status')),
		facts([
			['admin.version', status.version],
			['admin.uptime', uptime(status.uptimeSeconds)],
			['admin.startedAt', formatDateTime(status.startedAt)],
			['admin.logHead', t('admin.logHeadValue', { count: formatNumber(status.log.position) })],
			['admin.logSize', formatBytes(status.log.bytes)],
			['admin.dataDirectory', h('code', status.dataDirectory)],
			['admin.connectionsNow', t('admin.connectionsValue', { connections: status.connections, users: status.usersOnline })],
		]),
		h('h3', t('admin.tls')),
		tls ? facts([
			['admin.tlsMode', t('admin.tlsMode.' + tls.mode)],
			['admin.authority', tls.authority ? tls.authority.name : t('admin.ownCertificate')],
			['admin.fingerprint', tls.authority ? h('code.fingerprint', { 'data-fingerprint': tls.authority.fingerprint }, tls.authority.fingerprint) : null],
			['admin.authorityUntil', tls.authority ? formatDate(tls.authority.validUntil) : null],
			['admin.serverNames', tls.serverNames.join(', ')],
			['admin.certificateUntil', formatDate(tls.serverValidUntil)],
		]) : h('p.hint', t('admin.tlsOff')),
		tls?.authority ? h('p', h('a.button.small', { href: '/ca.crt', download: 'causerie-office-ca.crt' }, t('admin.downloadCA'))) : null,
		status.fileServer && fileServerFacts(status.fileServer),
		h('h3', t('admin.discovery')),
		discoverySwitches(status.discovery),
		facts([['admin.addresses', status.discovery.urls.join('  ') || '—']]),
		h('p.hint', t('admin.startupOptions')));
}

export async function settingsPanel(panel) {
	const [settings, status] = await Promise.all([api('GET', 'admin/settings'), api('GET', 'admin/status')]);
	settingsForm(panel, 'admin.tab.settings', 'admin/settings', settings, [
		['serverName', 'text', 'admin.serverName'],
		['registrationOpen', 'check', 'admin.registrationOpen'],
		['maxMessageLength', 'number', 'admin.maxMessageLength'],
		['retentionDays', 'number', 'admin.retentionDays', 'admin.retentionHint'],
	], undefined, statusSection(status));
}
