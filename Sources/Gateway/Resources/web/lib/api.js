// The HTTP API (docs/openapi.yaml): JSON in, JSON out, errors as ApiError with the server's
// stable code and reason. The session token lives in localStorage so that a reload, another tab
// and the admin page share it.

const TOKEN_KEY = 'causerie.token';
const SERVER_PASSWORD_KEY = 'causerie.serverPassword';

export class ApiError extends Error {
	constructor({ code = 'unavailable', reason = '', message = '', retryAfter } = {}, status = 0) {
		super(message || reason || code);
		this.code = code;
		this.reason = reason;
		this.status = status;
		this.retryAfter = retryAfter;
	}
}

export function getToken() { return localStorage.getItem(TOKEN_KEY); }
export function setToken(token) {
	if (token) localStorage.setItem(TOKEN_KEY, token);
	else localStorage.removeItem(TOKEN_KEY);
}

/** The office's extra server password, when it has one; needed by login and the WebSocket. */
export function getServerPassword() { return localStorage.getItem(SERVER_PASSWORD_KEY) || undefined; }
export function setServerPassword(password) {
	if (password) localStorage.setItem(SERVER_PASSWORD_KEY, password);
	else localStorage.removeItem(SERVER_PASSWORD_KEY);
}

/** api('GET', 'rooms'), api('POST', 'login', {...}): resolves with the decoded body. */
export async function api(method, path, body) {
	const headers = { Accept: 'application/json' };
	const token = getToken();
	if (token) headers.Authorization = 'Bearer ' + token;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let response;
	try {
		response = await fetch('/api/v1/' + path, {
			method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
		});
	} catch {
		throw new ApiError({ code: 'offline', reason: 'offline' });
	}
	const text = await response.text();
	let json = null;
	try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
	if (!response.ok) throw new ApiError(json || { code: 'unavailable', reason: 'http_' + response.status }, response.status);
	return json;
}

/**
 * A download the API streams (a backup, an export): fetched with the session's token, then
 * offered to save under the server's file name. Resolves with the response's headers.
 */
export async function apiDownload(path) {
	const token = getToken();
	let response;
	try {
		response = await fetch('/api/v1/' + path, { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
	} catch {
		throw new ApiError({ code: 'offline', reason: 'offline' });
	}
	if (!response.ok) {
		let json = null;
		try { json = await response.json(); } catch { /* not JSON */ }
		throw new ApiError(json || { code: 'unavailable', reason: 'http_' + response.status }, response.status);
	}
	const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '')?.[1] || 'download';
	const url = URL.createObjectURL(await response.blob());
	const link = document.createElement('a');
	link.href = url;
	link.download = name;
	link.hidden = true;
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
	return { name, headers: response.headers };
}
