// The trust page: what a browser gets over plain http:// until it trusts the office CA. It shows
// the CA (download, authority, fingerprint, expiry) and how to trust it on each system, then
// probes the HTTPS address every 2 s; a probe that loads proves the certificate is trusted, and
// the page moves to the same address over HTTPS. Stand-alone: no module of the app is served
// over HTTP. Server text only reaches the page through text nodes (never innerHTML).

const FILE = 'causerie-office-ca.crt';
const PROBE_EVERY_MS = 2000;
const PROBE_TIMEOUT_MS = 8000;

// In the steps, *text* is a label on the screen (bold), `text` is code, {name} a value.
const STRINGS = {
	en: {
		docTitle: 'Connect securely — {server}',
		title: 'Connect securely to {server}',
		intro: 'The office chat runs on this office’s own server. Its connection is encrypted with a certificate made by the office’s own authority, which your device does not know yet.',
		intro2: 'Your device must trust that authority once — it takes about a minute — and then this page opens the chat by itself.',
		step1: 'Download the office certificate',
		download: 'Download the office certificate',
		authority: 'Authority',
		fingerprint: 'Fingerprint (SHA-256)',
		fingerprintHint: 'Compare it with the one your administrator shows (the server prints it at start). If they differ, do not install the certificate.',
		validUntil: 'Valid until',
		expired: 'This certificate expired on {date}. Ask your administrator for a new one.',
		step2: 'Trust it on your device',
		step2Hint: 'Follow the steps for your system. Firefox keeps its own list, so it has its own steps.',
		thisDevice: 'this device',
		thisBrowser: 'this browser',
		step3: 'Come back to this page',
		waiting: 'Waiting for the certificate to be trusted…',
		checking: 'Checking…',
		notYet: 'Not trusted yet. This page keeps checking by itself.',
		trusted: 'Trusted — opening the chat…',
		checkAgain: 'I have installed it — check again',
		restart: 'Installed and nothing happens? Restarting the browser may be needed: close it completely, open it again and come back to this address.',
		secureTitle: 'This connection is already secure',
		secureIntro: 'This browser trusts the office’s authority: the connection to {server} is encrypted and verified.',
		secureOther: 'To set up another device, open this server’s address on it, or download the certificate here and copy it over.',
		secureStatus: 'Secure connection',
		openChat: 'Open the chat',
		otherDevices: 'Set up another device',
		loadError: 'Could not load the server’s certificate details. Check that the server is running, then try again.',
		retry: 'Try again',
		systems: {
			windows: { title: 'Windows — Chrome, Edge', steps: [
				'Open the downloaded file *{file}*.',
				'Choose *Install Certificate…*.',
				'Choose *Local Machine*, then *Next*. This needs an administrator’s permission; without it, choose *Current User*.',
				'Choose *Place all certificates in the following store*, then *Browse…* and *Trusted Root Certification Authorities*.',
				'Choose *Next*, then *Finish*, and *Yes* if Windows asks to confirm.',
			] },
			macos: { title: 'macOS — Safari, Chrome, Edge', steps: [
				'Open the downloaded file *{file}*: Keychain Access adds it to the *login* keychain (if asked, choose *login*, then *Add*).',
				'In Keychain Access, under *login* → *Certificates*, double-click *{authority}*.',
				'Open *Trust* and set *When using this certificate* to *Always Trust*.',
				'Close the window and confirm with your Mac password.',
			] },
			ios: { title: 'iPhone and iPad', steps: [
				'Tap *Download the office certificate* above, then *Allow*. Settings then shows *Profile Downloaded*.',
				'Open *Settings*, tap *Profile Downloaded* (or *General → VPN & Device Management*), then *Install*, and enter your passcode.',
				'Then go to *Settings → General → About → Certificate Trust Settings* and turn on full trust for *{authority}*.',
			], after: ['If no profile is offered, download the certificate again in Safari.'] },
			android: { title: 'Android', steps: [
				'Tap *Download the office certificate* above.',
				'Open *Settings → Security & privacy → More security settings → Encryption & credentials → Install a certificate → CA certificate*. Names differ between makers: search Settings for “CA certificate”.',
				'Tap *Install anyway*, unlock with your screen lock, and choose the downloaded *{file}*.',
			] },
			linux: { title: 'Linux — Chrome, Chromium', parts: [
				{ heading: 'Chrome or Chromium (also on ChromeOS)', steps: [
					'Open *Settings → Privacy and security → Security → Manage certificates → Authorities* and choose *Import*. (Recent versions call it *Installed by you → Trusted certificates → Import*.)',
					'Choose the downloaded *{file}*, tick *Trust this certificate for identifying websites*, then *OK*.',
				] },
				{ heading: 'For the whole system (Debian, Ubuntu)', notes: ['In the folder where the file was downloaded:'],
					command: `sudo cp ${FILE} /usr/local/share/ca-certificates/ && sudo update-ca-certificates` },
			] },
			firefox: { title: 'Firefox, on any system', notes: [
				'Firefox keeps its own list of authorities. Recent versions on Windows, macOS and Android also accept one installed in the system (see your system’s section); if this page does not move on, import it in Firefox itself:',
			], steps: [
				'Open *Settings → Privacy & Security → Certificates → View Certificates… → Authorities* and choose *Import…*.',
				'Choose the downloaded *{file}*, tick *Trust this CA to identify websites*, then *OK*.',
			], after: [
				'On Android: first install it in Android (see its section), then in Firefox open *Settings → About Firefox*, tap the logo five times, go back to *Settings → Secret Settings* and turn on *Use third party CA certificates*.',
			] },
		},
	},
	fr: {
		docTitle: 'Connexion sécurisée — {server}',
		title: 'Se connecter de façon sécurisée à {server}',
		intro: 'La messagerie du bureau fonctionne sur le serveur du bureau lui-même. Sa connexion est chiffrée par un certificat émis par l’autorité du bureau, que votre appareil ne connaît pas encore.',
		intro2: 'Votre appareil doit faire confiance à cette autorité une fois — cela prend environ une minute — puis cette page ouvre la messagerie d’elle-même.',
		step1: 'Télécharger le certificat du bureau',
		download: 'Télécharger le certificat du bureau',
		authority: 'Autorité',
		fingerprint: 'Empreinte (SHA-256)',
		fingerprintHint: 'Comparez-la avec celle que montre votre administrateur (le serveur l’affiche au démarrage). Si elles diffèrent, n’installez pas le certificat.',
		validUntil: 'Valable jusqu’au',
		expired: 'Ce certificat a expiré le {date}. Demandez-en un nouveau à votre administrateur.',
		step2: 'Lui faire confiance sur votre appareil',
		step2Hint: 'Suivez les étapes de votre système. Firefox tient sa propre liste : il a ses propres étapes.',
		thisDevice: 'cet appareil',
		thisBrowser: 'ce navigateur',
		step3: 'Revenir sur cette page',
		waiting: 'En attente de la confiance dans le certificat…',
		checking: 'Vérification…',
		notYet: 'Pas encore approuvé. Cette page continue de vérifier d’elle-même.',
		trusted: 'Approuvé — ouverture de la messagerie…',
		checkAgain: 'Je l’ai installé — vérifier à nouveau',
		restart: 'Installé et rien ne se passe ? Il faut peut-être redémarrer le navigateur : fermez-le complètement, rouvrez-le et revenez à cette adresse.',
		secureTitle: 'Cette connexion est déjà sécurisée',
		secureIntro: 'Ce navigateur fait confiance à l’autorité du bureau : la connexion à {server} est chiffrée et vérifiée.',
		secureOther: 'Pour préparer un autre appareil, ouvrez-y l’adresse de ce serveur, ou téléchargez le certificat ici et copiez-le.',
		secureStatus: 'Connexion sécurisée',
		openChat: 'Ouvrir la messagerie',
		otherDevices: 'Préparer un autre appareil',
		loadError: 'Impossible de charger les informations du certificat du serveur. Vérifiez que le serveur fonctionne, puis réessayez.',
		retry: 'Réessayer',
		systems: {
			windows: { title: 'Windows — Chrome, Edge', steps: [
				'Ouvrez le fichier téléchargé *{file}*.',
				'Choisissez *Installer un certificat…*.',
				'Choisissez *Ordinateur local*, puis *Suivant*. Il faut l’autorisation d’un administrateur ; sans elle, choisissez *Utilisateur actuel*.',
				'Choisissez *Placer tous les certificats dans le magasin suivant*, puis *Parcourir…* et *Autorités de certification racines de confiance*.',
				'Choisissez *Suivant*, puis *Terminer*, et *Oui* si Windows demande de confirmer.',
			] },
			macos: { title: 'macOS — Safari, Chrome, Edge', steps: [
				'Ouvrez le fichier téléchargé *{file}* : Trousseaux d’accès l’ajoute au trousseau *session* (si on vous le demande, choisissez *session*, puis *Ajouter*).',
				'Dans Trousseaux d’accès, sous *session* → *Certificats*, double-cliquez sur *{authority}*.',
				'Ouvrez *Se fier* et réglez *Lors de l’utilisation de ce certificat* sur *Toujours approuver*.',
				'Fermez la fenêtre et confirmez avec le mot de passe du Mac.',
			] },
			ios: { title: 'iPhone et iPad', steps: [
				'Touchez *Télécharger le certificat du bureau* ci-dessus, puis *Autoriser*. Réglages affiche alors *Profil téléchargé*.',
				'Ouvrez *Réglages*, touchez *Profil téléchargé* (ou *Général → VPN et gestion de l’appareil*), puis *Installer*, et saisissez votre code.',
				'Allez ensuite dans *Réglages → Général → Informations → Réglages de confiance des certificats* et activez la confiance totale pour *{authority}*.',
			], after: ['Si aucun profil n’est proposé, téléchargez à nouveau le certificat dans Safari.'] },
			android: { title: 'Android', steps: [
				'Touchez *Télécharger le certificat du bureau* ci-dessus.',
				'Ouvrez *Paramètres → Sécurité et confidentialité → Plus de paramètres de sécurité → Chiffrement et identifiants → Installer un certificat → Certificat CA*. Les noms varient selon le fabricant : cherchez « certificat CA » dans les Paramètres.',
				'Touchez *Installer quand même*, déverrouillez avec votre verrouillage d’écran, et choisissez le fichier téléchargé *{file}*.',
			] },
			linux: { title: 'Linux — Chrome, Chromium', parts: [
				{ heading: 'Chrome ou Chromium (aussi sur ChromeOS)', steps: [
					'Ouvrez *Paramètres → Confidentialité et sécurité → Sécurité → Gérer les certificats → Autorités* et choisissez *Importer*. (Les versions récentes l’appellent *Installés par vous → Certificats de confiance → Importer*.)',
					'Choisissez le fichier téléchargé *{file}*, cochez *Faire confiance à ce certificat pour l’identification des sites Web*, puis *OK*.',
				] },
				{ heading: 'Pour tout le système (Debian, Ubuntu)', notes: ['Dans le dossier où le fichier a été téléchargé :'],
					command: `sudo cp ${FILE} /usr/local/share/ca-certificates/ && sudo update-ca-certificates` },
			] },
			firefox: { title: 'Firefox, sur tout système', notes: [
				'Firefox tient sa propre liste d’autorités. Ses versions récentes sous Windows, macOS et Android acceptent aussi celle installée dans le système (voir la section de votre système) ; si cette page ne change pas, importez-la dans Firefox même :',
			], steps: [
				'Ouvrez *Paramètres → Vie privée et sécurité → Certificats → Afficher les certificats… → Autorités* et choisissez *Importer…*.',
				'Choisissez le fichier téléchargé *{file}*, cochez *Confirmer cette AC pour identifier des sites web*, puis *OK*.',
			], after: [
				'Sous Android : installez-le d’abord dans Android (voir sa section), puis dans Firefox ouvrez *Paramètres → À propos de Firefox*, touchez le logo cinq fois, revenez à *Paramètres → Paramètres secrets* et activez *Utiliser les certificats d’AC tiers*.',
			] },
		},
	},
};

const SYSTEMS = ['windows', 'macos', 'ios', 'android', 'linux', 'firefox'];

// MARK: Language and device

/** French for the first fr* or en* language the browser prefers; English otherwise. */
function pickLanguage() {
	for (const tag of navigator.languages?.length ? navigator.languages : [navigator.language || 'en']) {
		const code = String(tag).toLowerCase();
		if (code.startsWith('fr')) return { lang: 'fr', locale: tag };
		if (code.startsWith('en')) return { lang: 'en', locale: tag };
	}
	return { lang: 'en', locale: 'en' };
}

/** The system whose steps apply here ('' if unknown), and whether the browser is Firefox. */
function detectDevice() {
	const ua = navigator.userAgent || '';
	const platform = String(navigator.userAgentData?.platform || '').toLowerCase();
	const FROM_PLATFORM = { windows: 'windows', macos: 'macos', ios: 'ios', android: 'android', linux: 'linux',
		'chrome os': 'linux', chromeos: 'linux' };
	let system = FROM_PLATFORM[platform] || '';
	// iPadOS asks for desktop sites as a Mac; its touch screen gives it away.
	if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) system = 'ios';
	else if (!system) {
		if (/Android/.test(ua)) system = 'android';
		else if (/Windows/.test(ua)) system = 'windows';
		else if (/Macintosh|Mac OS X/.test(ua)) system = 'macos';
		else if (/Linux|X11|CrOS/.test(ua)) system = 'linux';
	}
	// Firefox on iOS is WebKit and uses the system's list.
	const firefox = /Firefox\//.test(ua) && system !== 'ios';
	return { system, firefox };
}

const { lang, locale } = pickLanguage();
const S = STRINGS[lang];
document.documentElement.lang = lang;

// MARK: Building nodes

function el(tag, props = {}, ...children) {
	const node = document.createElement(tag);
	for (const [key, value] of Object.entries(props)) {
		if (value === undefined || value === null || value === false) continue;
		if (key === 'class') node.className = value;
		else if (key === 'text') node.textContent = value;
		else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
		else node.setAttribute(key, value === true ? '' : String(value));
	}
	if (tag === 'button' && !props.type) node.type = 'button';
	node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
	return node;
}

/** A string with {name} values (as text), *labels* (bold) and `code`, as nodes. */
function rich(template, values = {}) {
	const nodes = [];
	for (const part of template.split(/(\*[^*]+\*|`[^`]+`)/)) {
		if (!part) continue;
		const fillIn = (text) => text.replace(/\{(\w+)\}/g, (whole, name) => String(values[name] ?? whole));
		if (part.startsWith('*') && part.endsWith('*') && part.length > 1) nodes.push(el('strong', { text: fillIn(part.slice(1, -1)) }));
		else if (part.startsWith('`') && part.endsWith('`') && part.length > 1) nodes.push(el('code', { text: fillIn(part.slice(1, -1)) }));
		else nodes.push(document.createTextNode(fillIn(part)));
	}
	return nodes;
}

const plain = (template, values = {}) => template.replace(/\{(\w+)\}/g, (whole, name) => String(values[name] ?? whole));

function downloadIcon() {
	const ns = 'http://www.w3.org/2000/svg';
	const svg = document.createElementNS(ns, 'svg');
	svg.setAttribute('viewBox', '0 0 24 24');
	svg.setAttribute('class', 'icon');
	svg.setAttribute('aria-hidden', 'true');
	const path = document.createElementNS(ns, 'path');
	path.setAttribute('d', 'M11 3h2v9.6l3.3-3.3 1.4 1.4L12 16.4l-5.7-5.7 1.4-1.4 3.3 3.3zM5 18h14v2H5z');
	svg.append(path);
	return svg;
}

/** 32 pairs in four groups of eight; the line breaks only fall between groups. */
function fingerprintNode(fingerprint) {
	const code = el('code', { class: 'fingerprint', translate: 'no' });
	const pairs = fingerprint.toUpperCase().split(':');
	if (pairs.length !== 32 || !pairs.every((pair) => /^[0-9A-F]{2}$/.test(pair))) {
		code.textContent = fingerprint;
		return code;
	}
	for (let i = 0; i < 32; i += 8) {
		code.append(el('span', { text: pairs.slice(i, i + 8).join(':') + (i < 24 ? ':' : '') }));
		if (i < 24) code.append(el('wbr'));
	}
	return code;
}

// MARK: The page

const root = document.getElementById('trust');

/** trust.json, checked: server text stays text, the HTTPS address must be https:. */
async function loadInfo() {
	const response = await fetch('/trust.json', { cache: 'no-store', headers: { accept: 'application/json' } });
	if (!response.ok) throw new Error('trust.json: ' + response.status);
	const data = await response.json();
	const text = (value, fallback = '') => (typeof value === 'string' && value.trim() ? value.trim() : fallback);
	let httpsURL = null;
	try {
		const url = new URL(text(data.httpsURL), location.href);
		if (url.protocol === 'https:') httpsURL = url.href.endsWith('/') ? url.href : url.href + '/';
	} catch { /* left null */ }
	if (!httpsURL && location.protocol !== 'https:') throw new Error('trust.json: no https address');
	const download = text(data.download, '/ca.crt');
	return {
		serverName: text(data.serverName, 'Causerie'),
		httpsURL,
		fingerprint: text(data.fingerprint),
		authority: text(data.authority),
		validUntil: Number.isFinite(data.validUntil) ? data.validUntil : null,
		// Only a path of this server: never another site's file.
		download: /^\/(?!\/)/.test(download) ? download : '/ca.crt',
	};
}

function downloadSection(info, numbered) {
	const facts = el('dl', { class: 'trust-facts' });
	if (info.authority) facts.append(el('dt', { text: S.authority }), el('dd', {}, el('strong', { text: info.authority })));
	if (info.fingerprint) {
		facts.append(el('dt', { text: S.fingerprint }),
			el('dd', {}, fingerprintNode(info.fingerprint), el('p', { class: 'hint', text: S.fingerprintHint })));
	}
	if (info.validUntil !== null) {
		const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(info.validUntil));
		const expired = info.validUntil < Date.now();
		facts.append(el('dt', { text: S.validUntil }), el('dd', {},
			el('time', { datetime: new Date(info.validUntil).toISOString(), text: date }),
			expired ? el('p', { class: 'warning', role: 'alert', text: plain(S.expired, { date }) }) : null));
	}
	return el('section', { class: 'trust-step', 'aria-labelledby': 'step-download' },
		el('h2', { id: 'step-download', text: numbered ? S.step1 : S.otherDevices }),
		numbered ? null : el('p', { text: S.secureOther }),
		el('p', { class: 'trust-actions' },
			el('a', { class: 'button primary big', href: info.download, download: FILE, 'data-action': 'download' },
				downloadIcon(), S.download)),
		facts);
}

function systemSection(key, info, device, openHere) {
	const spec = S.systems[key];
	const values = { file: FILE, authority: info.authority || 'Causerie' };
	const steps = (list) => (list?.length ? el('ol', {}, list.map((step) => el('li', {}, rich(step, values)))) : null);
	const notes = (list) => (list || []).map((note) => el('p', {}, rich(note, values)));
	const body = el('div', { class: 'system-body' }, notes(spec.notes), steps(spec.steps), notes(spec.after),
		(spec.parts || []).map((part) => [el('h3', { text: part.heading }), notes(part.notes), steps(part.steps),
			part.command ? el('pre', { class: 'command', translate: 'no' }, el('code', { text: part.command })) : null]));
	const mine = key === 'firefox' ? device.firefox : key === device.system;
	return el('details', { class: 'system', 'data-system': key, open: openHere && mine },
		el('summary', {}, el('span', { text: spec.title }), mine ? ' ' : null,
			mine ? el('span', { class: 'this-device', text: key === 'firefox' ? S.thisBrowser : S.thisDevice }) : null),
		body);
}

/** All systems; the device's own first (Firefox before the system in Firefox) and, if `openHere`, open. */
function systemsSection(info, numbered) {
	const device = detectDevice();
	const first = [device.firefox ? 'firefox' : null, device.system || null].filter(Boolean);
	const order = [...first, ...SYSTEMS.filter((key) => !first.includes(key))];
	return el('section', { class: 'trust-step', 'aria-labelledby': 'step-systems' },
		el('h2', { id: 'step-systems', text: S.step2 }),
		el('p', { text: S.step2Hint }),
		el('div', { class: 'systems' }, order.map((key) => systemSection(key, info, device, numbered))));
}

function header(title, ...paragraphs) {
	return el('header', { class: 'trust-head' },
		el('img', { class: 'trust-logo', src: '/favicon.svg', alt: '', width: 48, height: 48 }),
		el('h1', { text: title }), paragraphs);
}

function showInsecure(info) {
	const status = el('p', { class: 'trust-status', role: 'status', 'aria-live': 'polite', text: S.waiting });
	const check = el('button', { class: 'button', 'data-action': 'check', text: S.checkAgain });
	root.replaceChildren(
		header(plain(S.title, { server: info.serverName }), el('p', { class: 'trust-lead', text: S.intro }), el('p', { text: S.intro2 })),
		el('div', { class: 'trust-steps' },
			downloadSection(info, true),
			systemsSection(info, true),
			el('section', { class: 'trust-step', 'aria-labelledby': 'step-back' },
				el('h2', { id: 'step-back', text: S.step3 }), status,
				el('p', { class: 'trust-actions' }, check),
				el('p', { class: 'hint', text: S.restart }))));
	document.title = plain(S.docTitle, { server: info.serverName });

	const probe = prober(info.httpsURL + 'trust.json', () => {
		status.textContent = S.trusted;
		status.classList.add('ok');
		check.disabled = true;
		location.replace(destination(info.httpsURL));
	});
	check.addEventListener('click', async () => {
		status.textContent = S.checking;
		if (!(await probe.now())) status.textContent = S.notYet;
	});
	probe.now();
}

function showSecure(info) {
	root.replaceChildren(
		header(S.secureTitle, el('p', { class: 'trust-lead', text: plain(S.secureIntro, { server: info.serverName }) })),
		el('p', { class: 'trust-status secure', role: 'status', 'aria-live': 'polite', text: S.secureStatus }),
		el('p', { class: 'trust-actions' }, el('a', { class: 'button primary big', href: '/', 'data-action': 'open', text: S.openChat })),
		downloadSection(info, false),
		systemsSection(info, false));
	document.title = plain(S.docTitle, { server: info.serverName });
}

function showError() {
	const retry = el('button', { class: 'button primary', 'data-action': 'retry', text: S.retry, onclick: start });
	root.replaceChildren(header(plain(S.title, { server: 'Causerie' })),
		el('p', { class: 'trust-error', role: 'alert', text: S.loadError }),
		el('p', { class: 'trust-actions' }, retry));
	document.title = 'Causerie';
}

async function start() {
	root.setAttribute('aria-busy', 'true');
	let info;
	try {
		info = await loadInfo();
	} catch {
		showError();
		return;
	} finally {
		root.setAttribute('aria-busy', 'false');
	}
	if (location.protocol === 'https:') showSecure(info);
	else showInsecure(info);
}

// MARK: Probing

/**
 * The address this page stands for, over HTTPS: the same path, query and fragment, except the
 * trust page's own address, which leads to the chat's front page.
 */
function destination(httpsURL) {
	const path = location.pathname;
	if (path === '/trust' || path.startsWith('/trust/')) return httpsURL;
	return httpsURL + path.replace(/^\/+/, '') + location.search + location.hash;
}

/**
 * Loads `url` every 2 s while the page is visible, one request at a time. A load of any status
 * means the TLS handshake succeeded, so the certificate is trusted: `onTrusted()` runs once and
 * probing stops. `now()` probes at once (joining one in flight) and resolves to whether it loaded.
 */
function prober(url, onTrusted) {
	let timer = 0;
	let inFlight = null;
	let done = false;

	const schedule = () => {
		clearTimeout(timer);
		timer = done || document.visibilityState === 'hidden' ? 0 : setTimeout(now, PROBE_EVERY_MS);
	};

	async function attempt() {
		const controller = new AbortController();
		const timeout = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
		try {
			await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: controller.signal });
			return true;
		} catch {
			return false;
		} finally {
			clearTimeout(timeout);
		}
	}

	async function now() {
		if (done) return true;
		clearTimeout(timer);
		timer = 0;
		inFlight ??= attempt().finally(() => { inFlight = null; });
		const trusted = await inFlight;
		if (trusted && !done) {
			done = true;
			onTrusted();
		}
		if (!done && !inFlight) schedule();
		return trusted;
	}

	document.addEventListener('visibilitychange', () => {
		if (done) return;
		if (document.visibilityState === 'hidden') {
			clearTimeout(timer);
			timer = 0;
		} else if (!inFlight) {
			now();
		}
	});
	return { now };
}

start();
