// The language switch: every language in i18n/languages.json, the current one selected.

import { h } from '../lib/dom.js';
import { t, availableLanguages, currentLanguage, setLanguage } from '../lib/i18n.js';

export function languagePicker(onChange) {
	const select = h('select.language-select', { 'aria-label': t('settings.language'), name: 'language' },
		Object.entries(availableLanguages()).map(([code, name]) =>
			h('option', { value: code, selected: code === currentLanguage() }, name)));
	select.addEventListener('change', async () => {
		await setLanguage(select.value);
		onChange();
	});
	return h('label.language', h('span.sr-only', t('settings.language')), select);
}
