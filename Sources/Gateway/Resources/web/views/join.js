// Client files and invitation links (docs/invitations.md): what they carry, checked by the server,
// fills the connect screen so that a person types nothing but their password.

import { api, setServerPassword } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { errorText } from './ui.js';

const FRAGMENT = /^#join=([A-Za-z0-9_-]{1,16384})$/;

/**
 * The `#join=` part of the address, if any. It is taken out of the address bar and the history
 * at once: a link that carries an invitation's secret should not stay where the next person at
 * this computer could reopen it.
 */
export function takeJoinFragment() {
	const match = location.hash.match(FRAGMENT);
	if (!match) return null;
	history.replaceState(null, '', location.pathname + location.search);
	return match[1];
}

/**
 * Checks a client file (its JSON, or a link's fragment) with the server and says how the connect
 * screen should open: `{ mode: 'join', join }` for an open invitation, else `{ mode: 'login',
 * notice }`. The server password it carries is kept, as if typed.
 */
export async function openClientFile(file) {
	let opened;
	try {
		opened = await api('POST', 'client-files/open', { file });
	} catch (error) {
		return { mode: 'login', notice: t('join.refused', { reason: errorText(error) }) };
	}
	if (opened.serverPassword) setServerPassword(opened.serverPassword);
	const invitation = opened.invitation;
	if (!invitation) return { mode: 'login', notice: t('join.fileOpened', { name: opened.name }) };
	if (invitation.state === 'open') return { mode: 'join', join: { file, invitation } };
	return { mode: 'login', notice: t('join.state.' + invitation.state, { username: invitation.username }) };
}

/** Makes the invited account with the password chosen; resolves with its session. */
export function redeem(join, password) {
	return api('POST', 'join', { file: join.file, password });
}
