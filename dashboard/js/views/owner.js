// Connect (#/connect): what the owner does from the dashboard once signed
// in (auth.js): set the Google OAuth client, add accounts, connect them to
// Google and connect them again (consent with state and PKCE, back to this
// page), backfill their history and watch it, and set the Last.fm and
// ListenBrainz user names and the Last.fm API key.  Every action is one
// POST of an api function that only tracker_owner may run.
import { rpc, errorBox } from '../api.js';
import { ownerRpc, signedIn } from '../auth.js';
import { h, fmt } from '../dom.js';
import { providerLabel, PROVIDERS } from '../accounts.js';
import { connectGuide, redirectUri } from './connect.js';

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const today = () => new Date().toISOString().slice(0, 10);
const yearAgo = () => { const d = new Date(); d.setUTCFullYear(d.getUTCFullYear() - 1); return d.toISOString().slice(0, 10); };

// A form whose submit runs action(values); the outcome is shown under it.
function form(id, title, fields, label, action) {
	const out = h('div', { class: 'outcome', 'aria-live': 'polite' });
	const f = h('form', { class: 'owner-form', id }, h('h3', {}, title), fields, h('button', { type: 'submit' }, label), out);
	f.addEventListener('submit', async (e) => {
		e.preventDefault();
		const btn = f.querySelector('button[type="submit"]');
		btn.disabled = true;
		out.replaceChildren();
		try {
			const note = await action(Object.fromEntries(new FormData(f)));
			if (note) out.replaceChildren(h('p', { class: 'ok', 'data-outcome': 'ok' }, note));
		} catch (err) {
			out.replaceChildren(errorBox(err, { title: `${title}: refused` }));
		} finally {
			btn.disabled = false;
		}
	});
	return f;
}

const field = (name, label, attrs = {}) => h('label', { class: 'field' }, h('span', {}, label), h('input', { name, ...attrs }));

// Open Google's consent page for an account; Google sends the browser
// back to this page, which completes the connection (app.js).
export async function startConsent(account) {
	const url = await ownerRpc('start_consent', { account, redirect_uri: redirectUri() });
	location.assign(url);
}

export function consentButton(a, label) {
	const out = h('span', { class: 'outcome' });
	const btn = h('button', { type: 'button', class: 'primary', 'data-consent': a.id }, label);
	btn.addEventListener('click', async () => {
		btn.disabled = true;
		try {
			await startConsent(a.id);
		} catch (err) {
			btn.disabled = false;
			out.replaceChildren(errorBox(err, { title: 'Could not start the consent' }));
		}
	});
	return h('span', { class: 'consent' }, btn, out);
}

// A job's progress bar, polled until the job ends.
function watchJob(id, ctx) {
	const box = h('div', { class: 'job', 'data-job': id, 'data-state': 'queued' });
	let stop = false;
	ctx.onLeave(() => { stop = true; });
	const draw = (j) => {
		box.dataset.state = j.state;
		box.replaceChildren(
			h('div', { class: 'meta' }, h('b', {}, `backfill #${j.id}`), h('span', { class: 'badge', 'data-state': j.state }, j.state), h('span', {}, j.days)),
			h('progress', { max: Math.max(1, j.windows_total), value: j.windows_done, 'aria-label': `Job ${j.id}: ${j.windows_done} of ${j.windows_total} windows` }),
			h('div', { class: 'meta' }, h('span', { 'data-field': 'windows_done', 'data-value': j.windows_done }, `${j.windows_done} of ${j.windows_total} windows`),
				h('span', { 'data-field': 'rows_written', 'data-value': j.rows_written }, `${fmt.int(j.rows_written)} rows written`),
				j.last_error ? h('span', { class: 'empty' }, 'last error: ', j.last_error) : null));
	};
	const poll = async () => {
		if (stop) return;
		try {
			const [j] = await rpc('job_progress', { job: id });
			if (j) draw(j);
			if (j && ['done', 'failed', 'cancelled'].includes(j.state)) return;
		} catch { /* shown on the next try */ }
		setTimeout(poll, 1000);
	};
	poll();
	return box;
}

function accountRow(a, ctx) {
	const actions = [];
	if (a.provider === 'google_health') {
		actions.push(consentButton(a, a.state === 'connected' ? 'Connect again' : a.state === 'needs_reauth' ? 'Re-consent' : 'Connect to Google'));
	}
	if (PROVIDERS[a.provider]?.kind === 'listening') {
		actions.push(form(`username-${a.id}`, 'User name', field('username', `${providerLabel(a.provider)} user name`, { required: true }),
			'Set', async (v) => `Set: ${await ownerRpc('set_username', { account: a.id, username: v.username })}`));
	}
	if (a.provider !== 'fitbit_import') {
		const jobs = h('div', { class: 'jobs' });
		actions.push(form(`backfill-${a.id}`, 'Backfill', [
			field('start_date', 'From', { type: 'date', value: yearAgo(), required: true }),
			field('end_date', 'To', { type: 'date', value: today(), required: true })], 'Backfill', async (v) => {
			const id = await ownerRpc('start_backfill', { account: a.id, start_date: v.start_date, end_date: v.end_date });
			jobs.prepend(watchJob(id, ctx));
			return `Backfill #${id} queued; the background workers fetch it.`;
		}), jobs);
	}
	return h('section', { class: 'card owner-account', 'data-account': a.id, 'aria-labelledby': `acct-${a.id}-h` },
		h('header', {}, h('h2', { id: `acct-${a.id}-h` }, `${a.name} `, h('span', { class: 'empty' }, `#${a.id} · ${providerLabel(a.provider)}`)),
			h('span', { class: 'badge', 'data-state': a.state }, String(a.state).replace('_', ' '))),
		a.reason ? h('p', { class: 'empty' }, a.reason) : null,
		a.data_up_to ? h('p', { class: 'empty' }, `Data up to ${fmt.day(a.data_up_to)}.`) : null,
		actions);
}

export async function owner(ctx) {
	const head = h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Connect'),
		h('p', {}, 'Set up Google, add accounts, connect them and backfill their history.')));
	if (!signedIn()) {
		return [head, h('section', { class: 'note', id: 'owner-signin-needed' },
			h('h2', {}, 'Sign in as the owner'),
			h('p', {}, 'Connecting accounts is for the owner. Make a token in psql, as the database owner, and paste it into ',
				h('b', {}, 'Sign in'), ' at the top right: ',
				h('code', {}, "SELECT tracker.owner_token(valid_for => '30 days');"))),
		connectGuide({ first: !ctx.accounts.length })];
	}
	const client = form('oauth-client', 'Google OAuth client', [
		h('p', { class: 'empty' }, 'A Google Cloud OAuth client of type "Web application" whose authorised redirect URI is ',
			h('code', {}, redirectUri()), '.'),
		field('client_id', 'Client id', { required: true, autocomplete: 'off' }),
		field('client_secret', 'Client secret', { type: 'password', required: true, autocomplete: 'off' })],
	'Save', async (v) => {
		await ownerRpc('set_oauth_client', { client_id: v.client_id, client_secret: v.client_secret });
		return 'Saved.';
	});
	const provider = h('select', { name: 'provider' }, Object.entries(PROVIDERS).map(([k, p]) => h('option', { value: k }, p.label)));
	const add = form('add-account', 'Add an account', [
		field('name', 'Name', { required: true }),
		field('time_zone', 'Time zone (where its days start)', { value: zone(), required: true }),
		field('birth_date', 'Birth date (for heart-rate zones; optional)', { type: 'date' }),
		h('label', { class: 'field' }, h('span', {}, 'Source'), provider),
		field('username', 'User name (Last.fm, ListenBrainz)')],
	'Add', async (v) => {
		const id = await ownerRpc('add_account', { name: v.name, time_zone: v.time_zone, provider: v.provider,
			birth_date: v.birth_date || null, username: v.username || null });
		setTimeout(ctx.rerender, 0);
		return `Account #${id} added.`;
	});
	const key = form('lastfm-key', 'Last.fm API key', field('api_key', 'API key (32 hexadecimal characters)', { type: 'password', required: true, autocomplete: 'off' }),
		'Save', async (v) => {
			await ownerRpc('set_api_key', { provider: 'lastfm', api_key: v.api_key });
			return 'Saved; Last.fm accounts connect with it.';
		});
	return [head,
		h('div', { class: 'grid section owner-grid' }, client, add, key),
		h('div', { class: 'grid section', id: 'owner-accounts' }, ctx.accounts.length
			? ctx.accounts.map((a) => accountRow(a, ctx))
			: h('p', { class: 'empty' }, 'No account yet: add one above.'))];
}
