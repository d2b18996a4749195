// Pipeline: where the data is on its way from the API to this page, what
// the workers are doing, and what went wrong.
import { rpc } from '../api.js';
import { h, svg, fmt, card, datum } from '../dom.js';
import { connectGuide, reauthCta } from './connect.js';
import { kindOf, homeView, providerLabel } from '../accounts.js';

const STATE_BADGE = { connected: 'ok', needs_reauth: 'bad', not_connected: '', running: 'ok', queued: 'warn',
	done: 'ok', failed: 'bad', cancelled: '', online: 'ok', offline: 'bad' };
const badge = (s) => h('span', { class: `badge ${STATE_BADGE[s] ?? ''}`, 'data-state': s }, String(s).replace('_', ' '));

// A note above a view about the account's state (re-authorisation first).
export function stateNote(a, ctx) {
	if (!a || a.unknown) return null;
	if (a.state === 'needs_reauth') return reauthCta(a);
	if (a.provider === 'google_health' && a.state === 'not_connected') {
		return h('p', { class: 'note' }, `Account "${a.name}" is not connected to Google yet. `,
			h('a', { href: ctx.href('pipeline') }, 'See how to connect it.'));
	}
	if (kindOf(a) === 'listening' && a.state === 'not_connected') {
		return h('p', { class: 'note', id: 'state-note' }, `Account "${a.name}" does not sync from ${providerLabel(a.provider)}: `,
			a.reason || 'it is not connected', '. ', h('a', { href: ctx.href('pipeline') }, 'See the pipeline.'));
	}
	return null;
}

/*
 * The picture is a grid: a lane per source (rows; columns on narrow
 * screens, where the picture turns to run downwards), and the stages of
 * the data in columns: source, bronze, silver, gold, dashboard, with an
 * arrow between each.  Bronze and the dashboard are shared by every lane;
 * silver and gold have their own tables for health and for listening.
 */
const SOURCES = [
	{ provider: 'google_health', title: 'Google Health API', color: 'var(--accent)', lane: 1 },
	{ provider: 'lastfm', title: 'Last.fm API', color: 'var(--lastfm)', lane: 2 },
	{ provider: 'listenbrainz', title: 'ListenBrainz API', color: 'var(--listenbrainz)', lane: 3 },
];
const HEALTH = [1, 1], LISTENING = [2, 2], ALL = [1, 3];	// first lane, lanes

const place = (col, [lane, span], attrs, child) =>
	h('li', { ...attrs, style: { '--col': col, '--lane': lane, '--span': span } }, child);

const arrow = (col, lanes) => place(col, lanes, { 'aria-hidden': 'true', class: 'arrow-item' }, h('span', { class: 'arrow' },
	svg('svg', { viewBox: '0 0 28 16' }, svg('path', { d: 'M1 8h24M18 2l7 6-7 6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 }))));

// A stage of the picture: col is its column (1, 3, ... 9), lanes [first, count].
function stage(col, lanes, key, color, title, big, lines, extra = {}) {
	return place(col, lanes, {}, h('div', { class: 'stage' + (extra.idle ? ' idle' : ''), style: { '--c': color }, 'data-stage': key },
		h('h3', {}, title), h('div', { class: 'big' }, big), h('ul', {}, lines.filter(Boolean).map((l) => h('li', {}, l)))));
}

const count = (n, one, many = one + 's') => `${n === 1 ? one : many}`;

// Listens in silver per listening source: api.pipeline counts them all
// together, api.listening_summary per account (over all days).
async function listensBySource(accounts) {
	const music = accounts.filter((a) => kindOf(a) === 'listening');
	const got = await Promise.allSettled(music.map((a) =>
		rpc('listening_summary', { account: a.id, start_date: '1900-01-01', end_date: '9999-12-31' })));
	const by = {};
	music.forEach((a, i) => {
		const n = got[i].status === 'fulfilled' ? Number(got[i].value[0]?.listens ?? 0) : NaN;
		by[a.provider] = (by[a.provider] ?? 0) + n;
	});
	return by;
}

function sourceStage(src, accounts, offline, listens, lastSyncOf) {
	const of = accounts.filter((a) => a.provider === src.provider);
	const files = src.provider === 'google_health' ? accounts.filter((a) => a.provider === 'fitbit_import') : [];
	const down = offline.find((o) => o.provider === src.provider);
	const idle = !of.length && !files.length;
	const n = (x) => (Number.isNaN(x) ? '–' : fmt.int(x));
	return stage(1, [src.lane, 1], src.provider, src.color, src.title,
		[datum(`accounts_${src.provider}`, of.length, fmt.int(of.length)), ` ${count(of.length, 'account')}`],
		idle ? ['no account yet'] : [
			[h('b', {}, of.filter((a) => a.state === 'connected').length), ' connected'],
			of.some((a) => a.state === 'needs_reauth') ? [h('b', {}, of.filter((a) => a.state === 'needs_reauth').length), ' need re-authorisation'] : null,
			of.some((a) => a.state === 'not_connected') ? [h('b', {}, of.filter((a) => a.state === 'not_connected').length), ' not connected'] : null,
			files.length ? ['+ ', h('b', {}, files.length), ` imported from Fitbit files`] : null,
			src.lane > 1 ? [h('b', {}, datum(`listens_${src.provider}`, Number.isNaN(listens[src.provider]) ? null : listens[src.provider] ?? 0,
				n(listens[src.provider] ?? 0))), ' listens'] : null,
			['last sync ', h('b', {}, fmt.relative(lastSyncOf([...of, ...files])))],
			down ? [h('b', {}, 'offline'), ' (see above)'] : 'reachable',
		], { idle });
}

// Where a problem of an account is fixed: the re-consent above (a button
// when signed in), or the Connect view.
function fixLink(a, ctx) {
	if (a.state === 'needs_reauth') {
		return h('a', { class: 'fix', 'data-fix': 'reconsent', href: `#reauth-${a.id}-cta`, onclick: (e) => {
			e.preventDefault();
			document.getElementById(`reauth-${a.id}-cta`)?.scrollIntoView();
			document.querySelector(`#reauth-${a.id}-cta button[data-consent]`)?.focus();
		} }, ' → re-consent');
	}
	if (a.state === 'not_connected') {
		return h('a', { class: 'fix', 'data-fix': 'connect', href: ctx.href('connect', null, { account: a.id }) }, ' → connect');
	}
	return null;
}

// "00:01:23.4" or "2 days 03:00:00" (PostgreSQL interval text) -> words.
function eta(text) {
	if (!text) return null;
	const m = /(?:(\d+) days? )?(\d+):(\d+):(\d+)/.exec(text);
	if (!m) return text;
	const s = (+(m[1] || 0)) * 86400 + (+m[2]) * 3600 + (+m[3]) * 60 + (+m[4]);
	return s < 60 ? 'under a minute left' : s < 5400 ? `about ${Math.round(s / 60)} min left` : `about ${Math.round(s / 3600)} h left`;
}

export async function pipeline(ctx) {
	const p = await rpc('pipeline');
	const L = p.layers;
	const accounts = p.accounts || [];
	const names = new Map(accounts.map((a) => [a.id, a.name]));
	const lastSyncOf = (of) => of.map((a) => a.last_sync).filter(Boolean).sort().pop();
	const active = (p.jobs || []).filter((j) => j.state === 'queued' || j.state === 'running');
	const offline = (p.sources || []).filter((s) => s.state === 'offline');
	const listens = await listensBySource(accounts);

	const nodes = [h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, 'Pipeline'),
			h('p', {}, 'From the source APIs through bronze (raw), silver (typed) and gold (daily figures) to this page.')),
		h('div', { class: 'controls' }, h('span', { class: 'empty', id: 'updated' }, `Updated ${fmt.dateTime(new Date().toISOString())}`,
			active.length ? ' · refreshing every 3 s while jobs run' : ''),
		h('button', { type: 'button', onclick: ctx.rerender }, 'Refresh')))];

	for (const a of accounts.filter((x) => x.state === 'needs_reauth')) nodes.push(reauthCta(a));
	for (const s of offline) {
		nodes.push(h('div', { class: 'error', role: 'alert' }, h('h3', {}, `${s.provider} is unreachable`),
			h('p', {}, s.reason || 'Requests fail to connect.', s.retry_at ? ` Next try ${fmt.relative(s.retry_at)}.` : '')));
	}
	if (!accounts.length) nodes.push(connectGuide({ first: true }));

	const bySource = SOURCES.filter((x) => x.lane > 1).map((x) => [providerLabel(x.provider), listens[x.provider] ?? 0]);
	nodes.push(h('section', { 'aria-labelledby': 'flow-h', class: 'section' },
		h('h2', { id: 'flow-h', class: 'visually-hidden' }, 'Process flow'),
		h('ol', { class: 'flow', id: 'flow' },
			SOURCES.map((src) => sourceStage(src, accounts, offline, listens, lastSyncOf)),
			SOURCES.map((src) => arrow(2, [src.lane, 1])),
			stage(3, ALL, 'bronze', '#b08d57', 'bronze', [datum('bronze_payloads', L.bronze_payloads, fmt.int(L.bronze_payloads)), ' payloads'], [
				['raw responses of every source, ', h('b', {}, fmt.bytes(L.bronze_bytes))],
				[h('b', {}, datum('bronze_rejected', L.bronze_rejected, fmt.int(L.bronze_rejected))), ' rejected by validation']]),
			arrow(4, HEALTH), arrow(4, LISTENING),
			stage(5, HEALTH, 'silver', '#8a96a3', 'silver', [datum('silver_heart_rate_days', L.silver_heart_rate_days, fmt.int(L.silver_heart_rate_days)), ' days of heart rate'], [
				[h('b', {}, fmt.int(L.silver_heart_rate_samples)), ' samples'],
				[h('b', {}, datum('silver_exercises', L.silver_exercises, fmt.int(L.silver_exercises))), ' exercises, ',
					h('b', {}, fmt.int(L.silver_sleep)), ' nights of sleep'],
				[h('b', {}, fmt.int(L.silver_steps)), ' step intervals']]),
			stage(5, LISTENING, 'silver.listen', '#8a96a3', 'silver.listen', [datum('silver_listens', L.silver_listens, fmt.int(L.silver_listens)), ' listens'],
				['one row per account, time and track',
					...bySource.map(([label, n]) => [`${label}: `, h('b', {}, Number.isNaN(n) ? '–' : fmt.int(n))])]),
			arrow(6, HEALTH), arrow(6, LISTENING),
			stage(7, HEALTH, 'gold.daily', '#d4a017', 'gold.daily', [datum('gold_days', L.gold_days, fmt.int(L.gold_days)), ' days of figures'], [
				'zone minutes, wear time, resting heart rate', 'recomputed whenever a day changes']),
			stage(7, LISTENING, 'gold.listening_daily', '#d4a017', 'gold.listening_daily',
				[datum('gold_listening_days', L.gold_listening_days, fmt.int(L.gold_listening_days)), ' days of listening'], [
					'listens, distinct artists and tracks, listens per local hour', 'recomputed with every write']),
			arrow(8, HEALTH), arrow(8, LISTENING),
			stage(9, ALL, 'dashboard', 'var(--rhr)', 'dashboard', 'api schema', [
				'read through PostgREST', ['role ', h('code', {}, 'tracker_web'), ': read-only'],
				'Overview, Day, Activities: health accounts', 'Listening: Last.fm and ListenBrainz accounts']))));

	const grid = h('div', { class: 'grid section' });

	grid.append(card('Accounts', { id: 'accounts-card', wide: true }, accounts.length
		? h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, ['Account', 'Provider', 'State', 'Last sync', 'Data up to', 'Next sync', 'Errors (24 h)']
				.map((t, i) => h('th', { scope: 'col', class: i < 3 ? 'text' : null }, t)))),
			h('tbody', {}, accounts.map((a) => h('tr', { 'data-account': a.id },
				h('th', { scope: 'row', class: 'text' }, h('a', { href: ctx.href(homeView(a), null, { account: a.id }) }, a.name), ` #${a.id}`),
				h('td', { class: 'text', title: a.provider }, providerLabel(a.provider)),
				h('td', { class: 'text wrap' }, badge(a.state), a.reason ? h('span', { class: 'empty' }, ' ', a.reason) : null, fixLink(a, ctx)),
				h('td', { title: a.last_sync || '' }, fmt.relative(a.last_sync)),
				h('td', {}, a.data_up_to ? fmt.day(a.data_up_to) : '–'),
				h('td', { title: a.next_sync || '' }, a.next_sync ? fmt.relative(a.next_sync) : '–'),
				h('td', {}, datum('errors_24h', a.errors_24h)))))))
		: h('p', { class: 'empty' }, 'No accounts.')));

	grid.append(card('Jobs', { id: 'jobs-card', desc: 'Backfills and scheduled syncs: queued, running, and those finished in the last day.' },
		(p.jobs || []).length ? p.jobs.map((j) => h('div', { class: 'job', 'data-job': j.id, 'data-state': j.state },
			h('div', { class: 'meta' }, h('b', {}, `#${j.id} ${j.kind}`), badge(j.state),
				h('span', {}, j.account ? `${names.get(j.account) || 'account'} #${j.account}` : 'every account'),
				h('span', {}, j.days)),
			h('progress', { max: Math.max(1, j.windows_total), value: j.windows_done,
				'aria-label': `Job ${j.id}: ${j.windows_done} of ${j.windows_total} windows` }),
			h('div', { class: 'meta' }, h('span', {}, h('b', {}, datum('windows_done', j.windows_done)), ` of ${j.windows_total} windows`),
				h('span', {}, h('b', {}, fmt.int(j.rows_written)), ' rows written'),
				j.state === 'running' && eta(j.eta) ? h('span', {}, eta(j.eta)) : null),
			j.last_error ? h('div', { class: 'meta' }, h('span', { class: 'empty' }, 'last error: ', j.last_error)) : null))
			: h('p', { class: 'empty' }, 'No job in the last 24 hours. Queue one with ',
				h('code', {}, "SELECT tracker.backfill('[2025-01-01,2026-01-01)', <account>);"))));

	const errors = p.errors_24h || [];
	grid.append(card('Errors in the last 24 hours', { id: 'errors-card' }, errors.length
		? h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, ['When', 'Account', 'Data type', 'HTTP', 'Outcome', 'Error'].map((t, i) =>
				h('th', { scope: 'col', class: i === 0 || i > 3 ? 'text' : null }, t)))),
			h('tbody', {}, errors.map((e) => h('tr', {},
				h('td', { class: 'text', title: e.at }, fmt.dateTime(e.at)),
				h('td', {}, names.get(e.account) || e.account), h('td', {}, e.data_type || '–'),
				h('td', {}, e.http_status ?? '–'), h('td', { class: 'text' }, badge(e.outcome)),
				h('td', { class: 'text wrap' }, e.error || ''))))))
		: h('p', { class: 'empty' }, 'No errors in the last 24 hours.')));

	grid.append(card('Notifications', { id: 'events-card', desc: 'What Tracker notified by webhook, email or NOTIFY, and how each delivery went.' },
		h('p', {}, h('a', { href: ctx.href('events') }, 'See the events'), '.')));

	const sync = p.sync_state || [];
	grid.append(card('Last sync per account and data type', { id: 'sync-card', wide: true }, sync.length
		? h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, ['Account', 'Data type', 'Last success', 'Synced through', 'Last error'].map((t, i) =>
				h('th', { scope: 'col', class: i < 2 || i === 4 ? 'text' : null }, t)))),
			h('tbody', {}, sync.map((s) => h('tr', { 'data-account': s.account, 'data-type': s.data_type },
				h('td', { class: 'text' }, names.get(s.account) || s.account),
				h('td', { class: 'text mono' }, s.data_type),
				h('td', { title: s.last_success_at || '' }, fmt.relative(s.last_success_at)),
				h('td', {}, s.synced_through ? fmt.day(s.synced_through) : '–'),
				h('td', { class: 'text wrap' }, s.last_error ? [fmt.relative(s.last_error_at), ': ', s.last_error] : '–'))))))
		: h('p', { class: 'empty' }, 'Nothing synced yet.')));
	nodes.push(grid);

	// While jobs run, look again every few seconds (only while this view is shown).
	if (active.length) {
		const t = setTimeout(() => { if (ctx.stillCurrent() && !document.hidden) ctx.rerender(); }, 3000);
		ctx.onLeave(() => clearTimeout(t));
	}
	return nodes;
}
