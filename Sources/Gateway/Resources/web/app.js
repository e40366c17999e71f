// Entry: translations, the server's public information, then the connect screen or the chat.

import { initI18n, t } from './lib/i18n.js';
import { api, getToken, setToken, getServerPassword } from './lib/api.js';
import { h, fill } from './lib/dom.js';
import { showConnect } from './views/connect.js';
import { takeJoinFragment, openClientFile } from './views/join.js';
import { startShell } from './views/shell.js';

const root = document.getElementById('app');
let server = null;

async function boot() {
	performance.mark('causerie-boot');
	await initI18n();
	try {
		server = await api('GET', 'server');
	} catch {
		fill(root, h('main.connect', h('div.connect-card',
			h('h1', 'Causerie'), h('p', { role: 'alert' }, t('connect.unreachable')),
			h('button.button.primary', { onclick: () => location.reload() }, t('common.retry')))));
		setTimeout(boot, 5000);
		return;
	}
	// An invitation link (#join=…) opens its own screen, even where someone is logged in: the
	// invitation is for a newcomer. A plain client file only brings the server password.
	const fragment = takeJoinFragment();
	const opened = fragment ? await openClientFile(fragment) : null;
	if (opened?.mode === 'join') showConnect(root, server, chat, opened);
	else if (getToken()) chat();
	else showConnect(root, server, chat, opened || {});
}

function chat() {
	startShell(root, {
		server,
		token: getToken(),
		serverPassword: getServerPassword(),
		onEnded: (reason, options = {}) => {
			if (reason === 'must_change_password') {
				showConnect(root, server, chat, { mode: 'change', notice: t('connect.mustChange') });
				return;
			}
			setToken(null);
			const notice = reason === 'logged_out' && options.mine ? '' : t('connect.ended.' + reason);
			api('GET', 'server').then((fresh) => { server = fresh; }).catch(() => {}).finally(() =>
				showConnect(root, server, chat, { notice: notice.startsWith('connect.ended.') ? t('connect.ended.other') : notice }));
		},
	});
}

boot();
