// The owner's sign-in: a token made in psql by the database owner
// (SELECT tracker.owner_token(valid_for => '30 days');), pasted here once
// and kept in this browser's localStorage.  PostgREST checks it (its
// jwt-secret, the token's "role" claim) and runs the owner's calls as
// tracker_owner; the page itself cannot check a signature and does not try.
// Reads never carry it: they run as tracker_web, which tracker_owner is not.
import { rpcUrl, request, readAnswer } from './api.js';
import { h } from './dom.js';

const KEY = 'tracker.token';

export const token = () => localStorage.getItem(KEY) || null;

// The token's claims as the page can read them (not verified here).
export function claims(t = token()) {
	try {
		const part = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
		return JSON.parse(decodeURIComponent(escape(atob(part))));
	} catch {
		return null;
	}
}

// Signed in: a token whose expiry has not passed (by this clock).
export function signedIn() {
	const c = claims();
	return Boolean(c && (typeof c.exp !== 'number' || c.exp * 1000 > Date.now()));
}

export function signIn(t) {
	localStorage.setItem(KEY, t.trim());
}

export function signOut() {
	localStorage.removeItem(KEY);
}

// An owner's call: POST <api>/rpc/<fn> with the arguments as a JSON object
// and the token, as PostgREST expects a call of a VOLATILE function.
export async function ownerRpc(fn, args = {}) {
	const url = rpcUrl(fn);
	const res = await request(url, {
		method: 'POST',
		headers: { Accept: 'application/json', 'Content-Type': 'application/json',
			...(token() ? { Authorization: `Bearer ${token()}` } : {}) },
		body: JSON.stringify(args),
	});
	return (await readAnswer(res, url, 'POST')).body;
}

// The box in the header: a sign-in form, or who is signed in and a sign-out.
export function signInBox(onChange) {
	const box = h('div', { class: 'signin', id: 'signin' });
	const draw = (note) => {
		const c = claims();
		if (signedIn()) {
			box.replaceChildren(
				h('span', { class: 'who', 'data-signed-in': 'true', title: c?.exp ? `Signed in as the owner until ${new Date(c.exp * 1000).toLocaleString()}` : 'Signed in as the owner' },
					'Owner'),
				h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); draw(); onChange(); } }, 'Sign out'));
			return;
		}
		const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'off', spellcheck: 'false',
			placeholder: 'owner token from tracker.owner_token()', 'aria-label': 'Owner token' });
		const form = h('form', { class: 'signin-form', hidden: true },
			input, h('button', { type: 'submit' }, 'Sign in'),
			h('p', { class: 'empty' }, 'Make a token in psql, as the database owner: ',
				h('code', {}, "SELECT tracker.owner_token(valid_for => '30 days');")));
		form.addEventListener('submit', (e) => {
			e.preventDefault();
			const t = input.value.trim();
			if (!claims(t)) return draw('That is not a token.');
			if (!(typeof claims(t).exp !== 'number' || claims(t).exp * 1000 > Date.now())) return draw('That token has expired.');
			signIn(t);
			draw();
			onChange();
		});
		const open = h('button', { type: 'button', id: 'sign-in', 'aria-expanded': 'false', onclick: () => {
			form.hidden = !form.hidden;
			open.setAttribute('aria-expanded', String(!form.hidden));
			if (!form.hidden) input.focus();
		} }, 'Sign in');
		if (note) form.hidden = false;
		box.replaceChildren(...[open, form, note ? h('p', { class: 'error-text', role: 'alert' }, note) : null].filter(Boolean));
		if (token() && !signedIn()) box.append(h('p', { class: 'error-text', role: 'alert' }, 'Your owner token has expired: sign in again.'));
	};
	draw();
	return box;
}
