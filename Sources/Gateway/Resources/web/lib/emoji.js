// A small built-in set of Unicode emoji for the picker: no images to download. Each has a name
// in i18n/*.json ("emoji.<slug>"): the picker searches them in every language offered, and a new
// language translates them with no code change.

import { t, has, currentLanguage, availableLanguages, foldForSearch as fold } from './i18n.js';

export const EMOJI = [
	['😀', 'grinning'], ['😃', 'smiley'], ['😄', 'smile'], ['😁', 'grin'], ['😆', 'laughing'], ['😅', 'sweatSmile'],
	['😂', 'joy'], ['🙂', 'slightSmile'], ['😉', 'wink'], ['😊', 'blush'], ['😇', 'innocent'], ['😍', 'heartEyes'],
	['😘', 'kiss'], ['😋', 'yum'], ['😜', 'tongueWink'], ['🤔', 'thinking'], ['🤨', 'eyebrow'], ['😐', 'neutral'],
	['😑', 'expressionless'], ['😶', 'speechless'], ['🙄', 'rollingEyes'], ['😏', 'smirk'], ['😬', 'grimace'],
	['😌', 'relieved'], ['😴', 'sleeping'], ['😷', 'mask'], ['🤒', 'ill'], ['🤯', 'mindBlown'], ['😎', 'cool'],
	['🤓', 'nerd'], ['😕', 'confused'], ['😟', 'worried'], ['😮', 'surprised'], ['😲', 'astonished'], ['😳', 'flushed'],
	['😢', 'crying'], ['😭', 'sobbing'], ['😱', 'scream'], ['😤', 'huffing'], ['😡', 'angry'], ['🥳', 'party'],
	['🤗', 'hug'], ['🤝', 'handshake'], ['👍', 'thumbsUp'], ['👎', 'thumbsDown'], ['👏', 'clap'], ['🙌', 'raisedHands'],
	['🙏', 'thanks'], ['👋', 'wave'], ['✌️', 'victory'], ['👌', 'ok'], ['💪', 'muscle'], ['👀', 'eyes'], ['🎉', 'tada'],
	['🎂', 'birthday'], ['🎁', 'gift'], ['☕', 'coffee'], ['🍕', 'pizza'], ['🍰', 'cake'], ['🍺', 'beer'], ['❤️', 'heart'],
	['💔', 'brokenHeart'], ['🔥', 'fire'], ['⭐', 'star'], ['✅', 'check'], ['❌', 'cross'], ['⚠️', 'warning'],
	['❓', 'question'], ['❗', 'exclamation'], ['💡', 'idea'], ['📌', 'pin'], ['📎', 'paperclip'], ['📅', 'calendar'],
	['📞', 'phone'], ['💻', 'laptop'], ['🖨️', 'printer'], ['📝', 'memo'], ['📦', 'package'], ['🚀', 'rocket'],
	['⏰', 'alarm'],
].map(([char, slug]) => ({ char, slug }));

/** The emoji's name in the user's language (English when it has none). */
export function emojiName(emoji) {
	const key = 'emoji.' + emoji.slug;
	return has(key) ? t(key) : emoji.slug;
}

let otherNames = null; // per emoji, its names in the other languages offered, once loaded

/**
 * Loads the names in every other language offered (English and French here): in a bilingual
 * office people search with the words that come first, whatever language the page is in.
 */
export async function loadOtherNames() {
	if (otherNames) return;
	const codes = Object.keys(availableLanguages()).filter((code) => code !== currentLanguage());
	const files = await Promise.all(codes.map((code) => fetch(`i18n/${code}.json`, { cache: 'no-cache' })
		.then((r) => r.json()).catch(() => ({}))));
	otherNames = EMOJI.map((e) => files.map((strings) => strings['emoji.' + e.slug] || '').join(' '));
}

/** The emoji whose name (in this language, or another once loaded) contains the query. */
export function searchEmoji(query) {
	const wanted = fold(query.trim());
	if (!wanted) return EMOJI;
	return EMOJI.filter((e, i) => fold(emojiName(e) + ' ' + (otherNames?.[i] ?? '')).includes(wanted));
}

// The picker's "recently used" row, in this browser only, most recent first.
const RECENT_KEY = 'causerie.emoji.recent';
const RECENT_MAX = 10;

export function recentEmoji() {
	let chars = [];
	try { chars = JSON.parse(localStorage.getItem(RECENT_KEY)) || []; } catch { /* unreadable: start afresh */ }
	return chars.map((char) => EMOJI.find((e) => e.char === char)).filter(Boolean);
}

export function rememberEmoji(char) {
	const chars = [char, ...recentEmoji().map((e) => e.char).filter((c) => c !== char)].slice(0, RECENT_MAX);
	localStorage.setItem(RECENT_KEY, JSON.stringify(chars));
}
