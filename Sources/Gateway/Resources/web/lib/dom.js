// Building DOM nodes without HTML strings. User text only ever reaches the page through
// textContent or text nodes, so it can never become markup (the CSP is the second wall).

// Properties set as DOM properties rather than attributes (their live value matters).
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'indeterminate']);

/**
 * h('button.icon-button', {onclick: fn, 'aria-label': 'Close'}, 'text', child, [more]):
 * classes may follow the tag; props may be left out; strings become text nodes; null, undefined
 * and false children are skipped. Buttons default to type="button" (not "submit").
 */
export function h(tag, props, ...children) {
	const [name, ...classes] = tag.split('.');
	const el = document.createElement(name);
	if (classes.length) el.className = classes.join(' ');
	if (name === 'button') el.type = 'button';
	if (props && Object.getPrototypeOf(props) !== Object.prototype) {
		children.unshift(props);
		props = null;
	}
	for (const [key, value] of Object.entries(props || {})) {
		if (value === undefined || value === null || value === false) continue;
		if (key === 'class') el.className = (el.className + ' ' + value).trim();
		else if (key === 'text') el.textContent = value;
		else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
		else if (PROPERTIES.has(key)) el[key] = value;
		else el.setAttribute(key, value === true ? '' : String(value));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const child of children) {
		if (child === null || child === undefined || child === false) continue;
		if (Array.isArray(child)) append(el, child);
		else el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
	}
}

export function fill(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

/** Runs `fn` once per animation frame at most, however often it is asked for. */
export function coalesce(fn) {
	let queued = false;
	return () => {
		if (queued) return;
		queued = true;
		requestAnimationFrame(() => { queued = false; fn(); });
	};
}

/** A short random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function randomId(prefix = '') {
	const bytes = crypto.getRandomValues(new Uint8Array(12));
	return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function initials(name) {
	const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
	const first = Array.from(words[0] || '?');
	const letters = words.length > 1 ? first[0] + Array.from(words[1])[0] : first.slice(0, 2).join('');
	return letters.toUpperCase();
}

/** A stable colour class (avatar-c0…c7) for an id: classes, not inline styles (CSP). */
export function colourClass(id) {
	let hash = 0;
	for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
	return 'avatar-c' + (Math.abs(hash) % 8);
}
