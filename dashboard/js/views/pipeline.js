// Pipeline: where the data is on its way from the API to this page, what
// the workers are doing, and what went wrong.
import { rpc } from '../api.js';
import { h, svg, fmt, card, datum } from '../dom.js';
import { connectGuide, reauthCta } from './connect.js';

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
	return null;
}

const arrow = () => h('span', { class: 'arrow', 'aria-hidden': 'true' },
	svg('svg', { viewBox: '0 0 28 16' }, svg('path', { d: 'M1 8h24M18 2l7 6-7 6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })));

function stage(key, color, title, big, lines) {
	return h('li', {}, h('div', { class: 'stage', style: { '--c': color }, 'data-stage': key },
		h('h3', {}, title), h('div', { class: 'big' }, big), h('ul', {}, lines.map((l) => h('li', {}, l)))));
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
	const google = accounts.filter((a) => a.provider === 'google_health');
	const lastSync = accounts.map((a) => a.last_sync).filter(Boolean).sort().pop();
	const active = (p.jobs || []).filter((j) => j.state === 'queued' || j.state === 'running');
	const offline = (p.sources || []).filter((s) => s.state === 'offline');

	const nodes = [h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, 'Pipeline'),
			h('p', {}, 'From the Google Health API through bronze (raw), silver (typed) and gold (daily figures) to this page.')),
		h('div', { class: 'controls' }, h('span', { class: 'empty', id: 'updated' }, `Updated ${fmt.dateTime(new Date().toISOString())}`,
			active.length ? ' · refreshing every 3 s while jobs run' : ''),
		h('button', { type: 'button', onclick: ctx.rerender }, 'Refresh')))];

	for (const a of accounts.filter((x) => x.state === 'needs_reauth')) nodes.push(reauthCta(a));
	for (const s of offline) {
		nodes.push(h('div', { class: 'error', role: 'alert' }, h('h3', {}, `${s.provider} is unreachable`),
			h('p', {}, s.reason || 'Requests fail to connect.', s.retry_at ? ` Next try ${fmt.relative(s.retry_at)}.` : '')));
	}
	if (!accounts.length) nodes.push(connectGuide({ first: true }));

	nodes.push(h('section', { 'aria-labelledby': 'flow-h', class: 'section' },
		h('h2', { id: 'flow-h', class: 'visually-hidden' }, 'Process flow'),
		h('ol', { class: 'flow', id: 'flow' },
			stage('source', 'var(--accent)', google.length === accounts.length ? 'Google Health API' : 'Source APIs',
				`${accounts.length} account${accounts.length === 1 ? '' : 's'}`, [
					...(() => {
						const provs = [...new Set(accounts.map((a) => a.provider))];
						const connected = (of) => h('b', {}, of.filter((a) => a.state === 'connected').length);
						if (provs.length < 2) return [[connected(accounts), ' connected']];
						return provs.map((prov) => {
							const of = accounts.filter((a) => a.provider === prov);
							return [`${prov}: `, connected(of), ` of ${of.length} connected`];
						});
					})(),
					[h('b', {}, accounts.filter((a) => a.state === 'needs_reauth').length), ' need re-authorisation'],
					['last sync ', h('b', {}, fmt.relative(lastSync))],
					offline.length ? [h('b', {}, 'offline'), ' (see above)'] : 'reachable']),
			h('li', { 'aria-hidden': 'true', class: 'arrow-item' }, arrow()),
			stage('bronze', '#b08d57', 'bronze', [datum('bronze_payloads', L.bronze_payloads, fmt.int(L.bronze_payloads)), ' payloads'], [
				['raw responses, ', h('b', {}, fmt.bytes(L.bronze_bytes))],
				[h('b', {}, datum('bronze_rejected', L.bronze_rejected, fmt.int(L.bronze_rejected))), ' rejected by validation']]),
			h('li', { 'aria-hidden': 'true', class: 'arrow-item' }, arrow()),
			stage('silver', '#8a96a3', 'silver', [datum('silver_heart_rate_days', L.silver_heart_rate_days, fmt.int(L.silver_heart_rate_days)), ' days of heart rate'], [
				[h('b', {}, fmt.int(L.silver_heart_rate_samples)), ' samples'],
				[h('b', {}, datum('silver_exercises', L.silver_exercises, fmt.int(L.silver_exercises))), ' exercises, ',
					h('b', {}, fmt.int(L.silver_sleep)), ' nights of sleep'],
				[h('b', {}, fmt.int(L.silver_steps)), ' step intervals'],
				L.silver_listens > 0 ? [h('b', {}, fmt.int(L.silver_listens)), ' listens'] : null].filter(Boolean)),
			h('li', { 'aria-hidden': 'true', class: 'arrow-item' }, arrow()),
			stage('gold', '#d4a017', 'gold', [datum('gold_days', L.gold_days, fmt.int(L.gold_days)), ' days of figures'], [
				'zone minutes, wear time, resting heart rate', 'recomputed whenever a day changes',
				L.gold_listening_days > 0 ? [h('b', {}, fmt.int(L.gold_listening_days)), ' days of listening'] : null].filter(Boolean)),
			h('li', { 'aria-hidden': 'true', class: 'arrow-item' }, arrow()),
			stage('dashboard', 'var(--rhr)', 'dashboard', 'api schema', [
				'read through PostgREST', ['role ', h('code', {}, 'tracker_web'), ': read-only']]))));

	const grid = h('div', { class: 'grid section' });

	grid.append(card('Accounts', { id: 'accounts-card', wide: true }, accounts.length
		? h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, ['Account', 'Provider', 'State', 'Last sync', 'Data up to', 'Next sync', 'Errors (24 h)']
				.map((t, i) => h('th', { scope: 'col', class: i < 3 ? 'text' : null }, t)))),
			h('tbody', {}, accounts.map((a) => h('tr', { 'data-account': a.id },
				h('th', { scope: 'row', class: 'text' }, h('a', { href: ctx.href('overview', null, { account: a.id }) }, a.name), ` #${a.id}`),
				h('td', { class: 'text' }, a.provider),
				h('td', { class: 'text wrap' }, badge(a.state), a.reason ? h('span', { class: 'empty' }, ' ', a.reason) : null),
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
