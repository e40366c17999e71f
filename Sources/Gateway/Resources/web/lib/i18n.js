// Strings from i18n/<code>.json (flat keys), languages from i18n/languages.json: a new language
// is two files, no code. With {count}, "x" looks up "x.one", "x.few"… per Intl.PluralRules.

const STORAGE_KEY = 'causerie.language';
let languages = { en: 'English' };
let strings = {};
let fallback = {};
let language = 'en';
let pluralRules = new Intl.PluralRules('en');
const cache = new Map();

async function fetchJSON(path) {
	const response = await fetch(path, { cache: 'no-cache' });
	if (!response.ok) throw new Error(path + ': ' + response.status);
	return response.json();
}

/** Loads the language list, the chosen (or browser's) language, and English as the fallback. */
export async function initI18n() {
	try { languages = await fetchJSON('i18n/languages.json'); } catch { /* English only */ }
	fallback = await fetchJSON('i18n/en.json');
	await setLanguage(preferredLanguage(), false);
}

export function availableLanguages() { return languages; }
export function currentLanguage() { return language; }

function preferredLanguage() {
	const saved = localStorage.getItem(STORAGE_KEY);
	if (saved && languages[saved]) return saved;
	for (const tag of navigator.languages || [navigator.language || 'en']) {
		const code = tag.toLowerCase();
		if (languages[code]) return code;
		const base = code.split('-')[0];
		if (languages[base]) return base;
	}
	return 'en';
}

export async function setLanguage(code, remember = true) {
	if (!languages[code]) code = 'en';
	strings = code === 'en' ? fallback : await fetchJSON(`i18n/${code}.json`).catch(() => fallback);
	language = code;
	pluralRules = new Intl.PluralRules(code);
	cache.clear();
	document.documentElement.lang = code;
	if (remember) localStorage.setItem(STORAGE_KEY, code);
}

function lookup(key) {
	return strings[key] ?? fallback[key];
}

/** Whether a key exists (used to translate server reasons when we can). */
export function has(key) { return lookup(key) !== undefined; }

/** The string for `key`, with {name} placeholders filled; numbers in {count} are localised. */
export function t(key, params) {
	let text;
	if (params && typeof params.count === 'number') {
		text = lookup(`${key}.${pluralRules.select(params.count)}`) ?? lookup(`${key}.other`);
	}
	text = text ?? lookup(key) ?? key;
	if (!params) return text;
	return text.replace(/\{(\w+)\}/g, (whole, name) => {
		const value = params[name];
		if (value === undefined) return whole;
		return typeof value === 'number' ? formatNumber(value) : String(value);
	});
}

function formatter(kind, options) {
	const key = kind + JSON.stringify(options);
	if (!cache.has(key)) {
		cache.set(key, kind === 'date' ? new Intl.DateTimeFormat(language, options)
			: kind === 'number' ? new Intl.NumberFormat(language, options)
			: new Intl.RelativeTimeFormat(language, options));
	}
	return cache.get(key);
}

// Mute durations and the like, largest whole unit first.
const DURATION_UNITS = [['week', 7 * 24 * 60], ['day', 24 * 60], ['hour', 60], ['minute', 1]];

/** Minutes in words, in the largest whole unit: 1,440 → "1 day", 90 → "90 minutes" (Intl's unit names). */
export function formatDuration(minutes) {
	const [unit, size] = DURATION_UNITS.find(([, size]) => minutes >= size && minutes % size === 0) ?? ['minute', 1];
	const count = minutes / size;
	try {
		return formatter('number', { style: 'unit', unit, unitDisplay: 'long' }).format(count);
	} catch {
		return t('duration.' + unit, { count }); // a browser without Intl's units
	}
}

export function formatNumber(n) { return formatter('number', {}).format(n); }
export function formatTime(ms) { return formatter('date', { hour: 'numeric', minute: '2-digit' }).format(ms); }
export function formatDateTime(ms) { return formatter('date', { dateStyle: 'full', timeStyle: 'medium' }).format(ms); }
export function formatDate(ms) { return formatter('date', { dateStyle: 'medium' }).format(ms); }
export function formatDayMonth(ms) { return formatter('date', { day: 'numeric', month: 'short' }).format(ms); }
export function formatShortDateTime(ms) { return formatter('date', { dateStyle: 'short', timeStyle: 'short' }).format(ms); }

/** Seconds as hours, for time online: 12,600 → "3.5 hours". */
export function formatHours(seconds) {
	const hours = Math.round(seconds / 360) / 10;
	try {
		return formatter('number', { style: 'unit', unit: 'hour', unitDisplay: 'long', maximumFractionDigits: 1 }).format(hours);
	} catch {
		return t('duration.hour', { count: hours });
	}
}

/**
 * Bytes in the largest unit that keeps a number above 1, counted in 1,024s as Windows Explorer
 * counts them (so a 10 GiB quota reads "10 GB", as an administrator set it): 1,536 → "1.5 kB".
 */
export function formatBytes(bytes) {
	const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
	// "800 B": Intl's short "byte" reads oddly next to kB and MB.
	if (unit === 0) return `${formatNumber(value)} B`;
	try {
		return formatter('number', { style: 'unit', unit: units[unit], unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
	} catch {
		return `${value.toFixed(1)} ${['B', 'kB', 'MB', 'GB', 'TB'][unit]}`;
	}
}

/** "Today", "Yesterday", else the full date, in the user's time zone and language. */
export function formatDay(ms) {
	const day = new Date(ms);
	day.setHours(0, 0, 0, 0);
	const today = new Date();
	today.setHours(0, 0, 0, 0);
	const diff = Math.round((day - today) / 86400000);
	if (diff === 0 || diff === -1) {
		const text = formatter('relative', { numeric: 'auto' }).format(diff, 'day');
		return text.charAt(0).toLocaleUpperCase(language) + text.slice(1);
	}
	return formatter('date', { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(ms);
}

/** For searching: lower case, no accents, "œ" as "oe", one apostrophe — "coeur" finds "cœur", "helene" "Hélène". */
export function foldForSearch(text) {
	return String(text ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
		.replace(/œ/g, 'oe').replace(/æ/g, 'ae').replace(/[’‘]/g, "'");
}

export function dayKey(ms) {
	const d = new Date(ms);
	return d.getFullYear() * 10000 + d.getMonth() * 100 + d.getDate();
}
