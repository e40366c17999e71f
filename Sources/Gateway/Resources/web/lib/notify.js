// Desktop notifications, the tab title and the favicon dot. Browsers give notifications only to
// secure contexts (https, or http://localhost): elsewhere we say why instead of failing quietly.

const WANTED_KEY = 'causerie.notifications';

/** 'insecure', 'unsupported', 'denied', 'default' (not asked yet) or 'granted'. */
export function notificationSupport() {
	if (!window.isSecureContext) return 'insecure';
	if (!('Notification' in window)) return 'unsupported';
	return Notification.permission;
}

export function notificationsWanted() {
	return localStorage.getItem(WANTED_KEY) === 'on' && notificationSupport() === 'granted';
}

/** Must run from a click (a user gesture): browsers refuse to ask otherwise. */
export async function enableNotifications() {
	if (notificationSupport() === 'default') await Notification.requestPermission();
	const granted = notificationSupport() === 'granted';
	localStorage.setItem(WANTED_KEY, granted ? 'on' : 'off');
	return granted;
}

export function disableNotifications() { localStorage.setItem(WANTED_KEY, 'off'); }

export function notify(title, body, tag, onClick) {
	if (!notificationsWanted()) return;
	try {
		const n = new Notification(title, { body, tag, icon: 'favicon.svg' });
		n.onclick = () => { window.focus(); onClick?.(); n.close(); };
	} catch { /* some browsers only allow notifications from a service worker */ }
}

let lastTitle = '';
/** "(3) Office" and a dot on the icon while anything is unread. */
export function showUnread(name, count) {
	const title = count > 0 ? `(${count > 999 ? '999+' : count}) ${name}` : name;
	if (title === lastTitle) return;
	lastTitle = title;
	document.title = title;
	const link = document.getElementById('favicon');
	if (link) link.href = count > 0 ? 'favicon-unread.svg' : 'favicon.svg';
}
