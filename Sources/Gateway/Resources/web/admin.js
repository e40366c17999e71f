// The administration page (/api/v1/admin/*): users, rights groups, rooms, invitations, broadcast, filters,
// the audit trail and integrity, backups and exports, the server's settings and status.

import { initI18n, t } from './lib/i18n.js';
import { api, getToken } from './lib/api.js';
import { h, fill } from './lib/dom.js';
import { languagePicker } from './views/language.js';
import { usersPanel } from './views/admin-users.js';
import { groupsPanel } from './views/admin-groups.js';
import { filtersPanel, settingsPanel } from './views/admin-server.js';
import { broadcastPanel } from './views/admin-broadcast.js';
import { invitationsPanel } from './views/admin-invitations.js';
import { roomsPanel } from './views/admin-rooms.js';
import { auditPanel } from './views/admin-audit.js';
import { operationsPanel } from './views/admin-operations.js';
import { statisticsPanel } from './views/admin-statistics.js';
import { botsPanel } from './views/admin-bots.js';

const root = document.getElementById('admin');
// Statistics first, as MyChat's admin is greeted (the seed).
const PANELS = { statistics: statisticsPanel, users: usersPanel, groups: groupsPanel, rooms: roomsPanel,
	invitations: invitationsPanel, bots: botsPanel, broadcast: broadcastPanel, filters: filtersPanel, audit: auditPanel,
	backups: operationsPanel, settings: settingsPanel };

async function boot() {
	await initI18n();
	document.title = t('admin.title');
	let me = null;
	if (getToken()) me = await api('GET', 'me').catch(() => null);
	if (!me || !me.capabilities.includes('administer')) {
		fill(root, h('main.connect-card', h('h1', t('admin.title')),
			h('p', { role: 'alert' }, me ? t('admin.notAdmin') : t('admin.loginFirst')),
			h('a.button.primary', { href: './' }, t('admin.back'))));
		return;
	}
	const server = await api('GET', 'server');
	const panel = h('div.tab-panel', { role: 'tabpanel' });
	const tabs = h('div.tabs', { role: 'tablist', 'aria-label': t('admin.title') });
	let current = null;
	const show = (name) => {
		current = name;
		fill(tabs, Object.keys(PANELS).map((key) => h('button', { role: 'tab', id: 'admin-tab-' + key,
			'data-tab': key, 'aria-selected': String(key === name), onclick: () => show(key) }, t('admin.tab.' + key))));
		panel.setAttribute('aria-labelledby', 'admin-tab-' + name);
		location.hash = name;
		PANELS[name](panel);
	};
	fill(root,
		h('header.admin-head',
			h('h1', t('admin.heading', { name: server.name })),
			languagePicker(() => location.reload()),
			h('a.button', { href: './' }, t('admin.back'))),
		tabs, panel);
	const initial = location.hash.slice(1);
	show(PANELS[initial] ? initial : 'statistics');
	// A link to admin.html#filters, Back and Forward: the address picks the tab, as a click does.
	window.addEventListener('hashchange', () => {
		const name = location.hash.slice(1);
		if (PANELS[name] && name !== current) show(name);
	});
}

boot();
