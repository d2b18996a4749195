// Tracker's dashboard: hash routes (#/overview, #/day/2026-11-20,
// #/activities, #/sleep, #/vitals, #/body, #/listening, #/pipeline,
// #/connect, #/events, each with ?account=<id>), one view at a time.  Health views are for health
// accounts, the Listening view for Last.fm and ListenBrainz accounts (see
// accounts.js).
import { rpc, errorBox } from './api.js';
import { h, sqlLiteral, command } from './dom.js';
import { destroyCharts } from './charts.js';
import { overview } from './views/overview.js';
import { day } from './views/day.js';
import { activities } from './views/activities.js';
import { sleep } from './views/sleep.js';
import { vitals } from './views/vitals.js';
import { body } from './views/body.js';
import { listening } from './views/listening.js';
import { pipeline } from './views/pipeline.js';
import { owner } from './views/owner.js';
import { events } from './views/events.js';
import { connectGuide, redirectUri } from './views/connect.js';
import { signInBox, signedIn, ownerRpc } from './auth.js';
import { kindOf, homeView, fits, wrongKind } from './accounts.js';

const views = { overview, day, activities, sleep, vitals, body, listening, pipeline, connect: owner, events };
const main = document.getElementById('main');
const picker = document.getElementById('account');
let renderSeq = 0;
let cleanups = [];

function parseHash() {
	const raw = location.hash.replace(/^#\/?/, '');
	const [path, query = ''] = raw.split('?');
	const [view, arg] = path.split('/');
	// No view named: the account's home view, once the account is known.
	return { view: views[view] ? view : 'overview', named: Boolean(views[view]), arg: arg ? decodeURIComponent(arg) : null,
		params: new URLSearchParams(query) };
}

function href(view, arg, params = {}) {
	const q = new URLSearchParams(params);
	for (const [k, v] of [...q]) if (v === '' || v === 'undefined' || v === 'null') q.delete(k);
	const qs = q.toString();
	return `#/${view}${arg ? '/' + arg : ''}${qs ? '?' + qs : ''}`;
}

// The account the page shows: the address decides, then the last choice,
// then the account with the newest data.
function chooseAccount(accounts, params) {
	const asked = params.get('account');
	if (asked !== null) return accounts.find((a) => String(a.id) === asked) || { id: asked, name: `account ${asked}`, unknown: true };
	const saved = localStorage.getItem('tracker.account');
	const found = accounts.find((a) => String(a.id) === saved);
	if (found) return found;
	return [...accounts].sort((a, b) => String(b.data_up_to || '').localeCompare(String(a.data_up_to || '')))[0] || null;
}

// The accounts, grouped by kind when there are both.
function fillPicker(accounts, account, route) {
	const option = (a) => h('option', { value: a.id, selected: account && String(a.id) === String(account.id) }, `${a.name} (#${a.id})`);
	const health = accounts.filter((a) => kindOf(a) === 'health'), music = accounts.filter((a) => kindOf(a) === 'listening');
	picker.replaceChildren(...(health.length && music.length
		? [h('optgroup', { label: 'Health' }, health.map(option)), h('optgroup', { label: 'Listening' }, music.map(option))]
		: accounts.map(option)));
	if (account?.unknown) picker.prepend(h('option', { value: account.id, selected: true }, account.name));
	if (!accounts.length) picker.append(h('option', {}, 'no account yet'));
	picker.disabled = accounts.length < 1;
	picker.onchange = () => {
		localStorage.setItem('tracker.account', picker.value);
		const next = accounts.find((a) => String(a.id) === picker.value);
		// An account of the other kind: its own home view (the range and day do not carry over).
		if (next && !fits(route.view, next)) location.hash = href(homeView(next), null, { account: picker.value });
		else location.hash = href(route.view, route.arg, { ...Object.fromEntries(route.params), account: picker.value });
	};
}

// Back from Google's consent page: the code and state arrive in the query
// string.  Signed in as the owner, the page completes the connection itself
// (once: the code works once); otherwise it shows the command to finish in
// psql.  The address loses the code either way.
let consentResult = null;

async function completeConsent(q) {
	try {
		const r = await ownerRpc('complete_consent', { code: q.get('code'), state: q.get('state') || '' });
		consentResult = { ok: r };
	} catch (e) {
		consentResult = { error: e };
	}
	history.replaceState(null, '', location.pathname + location.hash);
}

function oauthBanner(accounts) {
	const q = new URLSearchParams(location.search);
	const banner = document.getElementById('banner');
	banner.replaceChildren();
	const dismiss = () => {
		history.replaceState(null, '', location.pathname + location.hash);
		consentResult = null;
		banner.replaceChildren();
	};
	if (consentResult) {
		const inner = consentResult.ok
			? h('div', { class: 'cta', role: 'status', id: 'oauth-return', 'data-result': 'connected' },
				h('h2', {}, `Account "${consentResult.ok.name}" is connected`),
				h('p', {}, 'Google granted access and Tracker keeps the tokens; syncing resumes by itself. ',
					h('a', { href: `#/connect?account=${consentResult.ok.account}` }, 'Backfill its history'), ' to fetch earlier days.'))
			: h('div', { id: 'oauth-return', 'data-result': 'refused' },
				errorBox(consentResult.error, { title: 'Google\'s consent was not taken' }));
		inner.append(h('button', { type: 'button', onclick: dismiss }, 'Dismiss'));
		banner.append(h('div', { style: { maxWidth: '1320px', margin: '14px auto 0', padding: '0 20px' } }, inner));
		return;
	}
	if (!q.has('code') && !q.has('error')) return;
	const inner = h('div', { class: q.has('error') ? 'error' : 'cta', role: 'status', id: 'oauth-return' });
	if (q.has('error')) {
		inner.append(h('h2', {}, 'Google did not grant access'),
			h('p', {}, 'Google answered ', h('code', {}, q.get('error')),
				'. Nothing was connected; start the consent again for a fresh link.'));
	} else {
		const waiting = accounts.filter((a) => a.provider === 'google_health' && a.state !== 'connected');
		const candidates = waiting.length ? waiting : accounts.filter((a) => a.provider === 'google_health');
		const cmd = h('div');
		const show = (id) => cmd.replaceChildren(command(`SELECT tracker.connect(${id}, ${sqlLiteral(q.get('code'))}, ` +
			`${sqlLiteral(redirectUri())}, ${sqlLiteral(q.get('state') || '')});`));
		const sel = candidates.length > 1
			? h('select', { 'aria-label': 'Account to connect', onchange: (e) => show(e.target.value) },
				candidates.map((a) => h('option', { value: a.id }, `${a.name} (#${a.id})`)))
			: null;
		show(candidates[0]?.id ?? '<account id>');
		inner.append(h('h2', {}, 'Google sent back an authorisation code'),
			h('p', {}, 'Sign in as the owner (top right) before you start the consent and the page finishes it by itself; ',
				'or finish in psql, as the database owner. The code works once and expires within minutes.'),
			...(sel ? [h('p', { class: 'field' }, 'Account: ', sel)] : []), cmd,
			h('p', { class: 'empty' }, 'It answers "connected", and syncing resumes by itself. For the history of a new account, queue a backfill, ',
				h('code', {}, "SELECT tracker.backfill('[2025-01-01,2026-01-01)', <id>);"), ', and watch it under Pipeline.'));
	}
	inner.append(h('button', { type: 'button', onclick: dismiss }, 'Dismiss'));
	banner.append(h('div', { style: { maxWidth: '1320px', margin: '14px auto 0', padding: '0 20px' } }, inner));
}

async function render() {
	const seq = ++renderSeq;
	const hash = location.hash;
	for (const f of cleanups) f();
	cleanups = [];
	const route = parseHash();
	const markNav = () => {
		for (const a of document.querySelectorAll('.top nav a')) {
			if (a.dataset.view === route.view) a.setAttribute('aria-current', 'page');
			else a.removeAttribute('aria-current');
		}
	};
	markNav();
	main.setAttribute('aria-busy', 'true');
	const stillCurrent = () => seq === renderSeq;
	const done = (...nodes) => {
		if (!stillCurrent()) return;
		main.setAttribute('aria-busy', 'false');
		main.dataset.view = route.view;
		main.dataset.hash = hash;	// the address drawn (the browser tests wait for it)
		main.dataset.render = String(seq);
		if (nodes.length) main.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
	};

	let accounts;
	try {
		accounts = await rpc('accounts');
	} catch (e) {
		destroyCharts();
		fillPicker([], null, route);
		return done(h('h1', {}, 'Tracker'), errorBox(e, { title: 'Could not load the accounts', retry: render }));
	}
	if (!stillCurrent()) return;
	const account = chooseAccount(accounts, route.params);
	if (account && !account.unknown) localStorage.setItem('tracker.account', String(account.id));
	if (!route.named && account && !account.unknown) route.view = homeView(account);
	markNav();
	fillPicker(accounts, account, route);
	oauthBanner(accounts);
	const withAccount = (view, arg, params = {}) => href(view, arg, { account: route.params.get('account') ?? account?.id, ...params });
	// The views of the account's kind (all of them while there is no account).
	for (const a of document.querySelectorAll('.top nav a')) {
		a.href = withAccount(a.dataset.view);
		a.hidden = !fits(a.dataset.view, account) && a.dataset.view !== route.view;
	}
	document.querySelector('.brand').href = withAccount(account && !account.unknown ? homeView(account) : 'overview');

	const ctx = {
		main, route, accounts, account, stillCurrent,
		href: withAccount,
		onLeave: (f) => cleanups.push(f),
		rerender: render,
	};
	try {
		if (!accounts.length && !['pipeline', 'connect', 'events'].includes(route.view)) {
			destroyCharts();
			return done(connectGuide({ first: true }));
		}
		if (!fits(route.view, account)) {
			destroyCharts();
			return done(wrongKind(ctx, route.view));
		}
		const nodes = await views[route.view](ctx);
		if (!stillCurrent()) return;
		destroyCharts();	// the previous view's charts; the new ones draw after insertion
		done(...[].concat(nodes.nodes ?? nodes));
		nodes.mounted?.();
	} catch (e) {
		if (e.name === 'AbortError' || !stillCurrent()) return;
		destroyCharts();
		done(errorBox(e, { retry: render }));
	}
}

// The owner's sign-in box, in the header on every view.
document.querySelector('.top').append(signInBox(() => render()));

// Back from Google with a code, signed in: complete the connection first.
const returned = new URLSearchParams(location.search);
const ready = returned.has('code') && returned.has('state') && signedIn() ? completeConsent(returned) : Promise.resolve();

window.addEventListener('hashchange', () => {
	main.setAttribute('aria-busy', 'true');
	render();
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', render);
ready.then(render);
