// The dashboard's only way to the data: GET <api>/rpc/<function>?arg=value,
// PostgREST's contract for the functions of the api schema.
import { h } from './dom.js';

export const apiBase = (document.querySelector('meta[name="tracker-api"]')?.content || '/api').replace(/\/+$/, '');

// What PostgREST (or the network) said, kept whole so the page can show it.
export class ApiError extends Error {
	constructor({ status = 0, statusText = '', code = null, message = '', details = null, hint = null, url = '', method = 'GET' }) {
		super(message);
		Object.assign(this, { status, statusText, code, details, hint, url, method });
	}
}

// The address of a call: GET <api>/rpc/<function>?arg=value.
export function rpcUrl(fn, args = {}) {
	const qs = new URLSearchParams();
	for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== null) qs.set(k, v);
	const q = qs.toString();
	return `${apiBase}/rpc/${encodeURIComponent(fn)}${q ? '?' + q : ''}`;
}

// One request: the fetch, or an ApiError saying the API could not be reached.
export async function request(url, init = {}) {
	try {
		return await fetch(url, init);
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		throw new ApiError({ message: `Could not reach the API at ${apiBase}/ (${e.message}).`, url, method: init.method || 'GET' });
	}
}

// An answer read whole: its text and its JSON (null when empty, undefined
// when not JSON).  An answer that is not 2xx becomes an ApiError carrying
// PostgREST's error object, or the start of the text when it sent none.
export async function readAnswer(res, url, method = 'GET') {
	const text = await res.text();
	let body;
	try {
		body = text === '' ? null : JSON.parse(text);
	} catch {
		body = undefined;
	}
	if (!res.ok) {
		const err = body && typeof body === 'object' && 'message' in body ? body
			: { message: text.trim().slice(0, 300) || res.statusText };
		throw new ApiError({ status: res.status, statusText: res.statusText, ...err, url, method });
	}
	return { text, body };
}

export async function rpc(fn, args = {}, { signal } = {}) {
	const url = rpcUrl(fn, args);
	const res = await request(url, { headers: { Accept: 'application/json' }, signal });
	const { text, body } = await readAnswer(res, url);
	if (body === undefined) {
		throw new ApiError({ status: res.status, message: 'The API answered with something that is not JSON.',
			details: text.slice(0, 200), url, hint: `Is ${apiBase}/ routed to PostgREST?` });
	}
	return body;
}

// Advice for the errors people are likely to meet, beside PostgREST's own words.
function advice(e) {
	if (e.status === 0) return 'The page could not reach the server. Is PostgREST (or the proxy in front of it) running?';
	if (e.status === 503 || e.status === 504) return 'PostgREST cannot reach the database. Is PostgreSQL running?';
	if (e.code === 'PGRST202') return 'PostgREST does not know this function. After installing or upgrading the extension, reload its schema cache: NOTIFY pgrst, \'reload schema\';';
	if (e.code === 'PGRST301') return 'PostgREST did not accept the owner token (its signature does not match PostgREST\'s jwt-secret, or it is not a token). Make a new one with tracker.owner_token() and sign in again.';
	if (e.code === 'PGRST303') return 'The owner token has expired or is not valid yet. Make a new one with tracker.owner_token() and sign in again.';
	if (e.code === '42501' && e.method === 'POST') return e.status === 401
		? 'Only the owner may do this: sign in with an owner token (top right).'
		: 'The token\'s role may not do this: sign in with a token from tracker.owner_token().';
	if (e.code === '42501') return 'The dashboard\'s role (tracker_web, PostgREST\'s db-anon-role) may not run this. Only the functions of the api schema are granted to it.';
	if (e.code === '22P02' || e.code === '22007' || e.code === '22008') return 'A value in the page address is not valid for this argument; check the account and dates in the URL.';
	return null;
}

// An error as a block of the page: PostgREST's fields, the request, a retry.
export function errorBox(e, { title, retry } = {}) {
	const status = e.status ? `${e.status}${e.statusText ? ' ' + e.statusText : ''}` : null;
	const tip = advice(e);
	return h('div', { class: 'error', role: 'alert', 'data-error-code': e.code || '', 'data-status': e.status ?? '' },
		h('h3', {}, title || (status ? `The API answered ${status}` : 'The API could not be reached')),
		h('dl', {},
			e.code ? [h('dt', {}, 'code'), h('dd', { class: 'mono', 'data-field': 'code' }, e.code)] : null,
			h('dt', {}, 'message'), h('dd', { 'data-field': 'message' }, e.message || '(none)'),
			e.details ? [h('dt', {}, 'details'), h('dd', { 'data-field': 'details' }, typeof e.details === 'string' ? e.details : JSON.stringify(e.details))] : null,
			e.hint ? [h('dt', {}, 'hint'), h('dd', { 'data-field': 'hint' }, e.hint)] : null,
			e.url ? [h('dt', {}, 'request'), h('dd', { class: 'mono' }, `${e.method || 'GET'} ${e.url}`)] : null),
		tip ? h('p', { class: 'advice' }, tip) : null,
		retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null);
}

// A file name for a download: "resting-hr-2026-01-01-2026-01-31.csv".
export function csvName(what, ...parts) {
	return [what, ...parts.filter((x) => x !== undefined && x !== null && x !== '')].join('-')
		.replace(/[^A-Za-z0-9._-]+/g, '-') + '.csv';
}

// A "Download CSV" link for the rows a card shows: the same call, answered
// by PostgREST as CSV (Accept: text/csv, which a plain link cannot ask for),
// saved under `name`.  The href is the call itself, for copying.
export function csvLink(fn, args, name, label = 'Download CSV') {
	const url = rpcUrl(fn, args);
	const note = h('span', { class: 'csv-error', role: 'alert' });
	const a = h('a', { class: 'csv', href: url, download: name, 'data-csv': fn,
		title: `The rows of ${fn} as a CSV file (${name})` }, label);
	a.addEventListener('click', async (e) => {
		e.preventDefault();
		if (a.getAttribute('aria-busy') === 'true') return;
		a.setAttribute('aria-busy', 'true');
		note.textContent = '';
		try {
			const res = await request(url, { headers: { Accept: 'text/csv' } });
			if (!res.ok) await readAnswer(res, url);
			const file = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'text/csv;charset=utf-8' }));
			const save = h('a', { href: file, download: name, hidden: true });
			document.body.append(save);
			save.click();
			save.remove();
			setTimeout(() => URL.revokeObjectURL(file), 60000);
		} catch (err) {
			note.textContent = `Download failed: ${err.status ? err.status + ' ' : ''}${err.message}`;
		} finally {
			a.removeAttribute('aria-busy');
		}
	});
	return h('span', { class: 'csv-link' }, a, note);
}
