// Events (#/events): what Tracker notified (tracker.set_notify channels:
// webhook, email, NOTIFY), newest first, whether each is still open and
// how each delivery went (api.events: no target, secret or error text).
// An open event links to its fix.
import { rpc } from '../api.js';
import { h, fmt } from '../dom.js';
import { signedIn } from '../auth.js';
import { consentButton } from './owner.js';

const KIND = { needs_reauth: 'needs re-consent', grant_expiring: 'grant expiring', job_failed: 'job failed',
	source_offline: 'source offline', sync_stalled: 'sync stalled' };
const kindLabel = (k) => KIND[k] ?? String(k).replace(/_/g, ' ');

// What fixes an open event, where the page knows it.
function fix(e, ctx) {
	if (!e.open || !e.account) return null;
	const a = ctx.accounts.find((x) => x.id === e.account);
	if (e.kind === 'needs_reauth' || e.kind === 'grant_expiring') {
		if (a && signedIn()) return consentButton(a, 'Re-consent');
		return h('a', { href: ctx.href('pipeline', null, { account: e.account }) + `&fix=${e.account}` }, 'How to connect it again');
	}
	return h('a', { href: ctx.href('pipeline', null, { account: e.account }) }, 'See the pipeline');
}

export async function events(ctx) {
	const list = await rpc('events', { latest: 100 });
	const open = list.filter((e) => e.open).length;
	return [
		h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Events'),
			h('p', {}, 'Conditions Tracker notified, newest first, and how each notification went. ',
				'Channels are set in psql with tracker.set_notify().')),
		h('div', { class: 'controls' }, h('span', { class: 'empty' }, h('b', { 'data-field': 'open_events', 'data-value': open }, open), ' open'),
			h('button', { type: 'button', onclick: ctx.rerender }, 'Refresh'))),
		list.length
			? h('div', { class: 'table-wrap section' }, h('table', { id: 'events' },
				h('thead', {}, h('tr', {}, ['When', 'Event', 'Account', 'What happened', 'State', 'Deliveries', 'Fix']
					.map((t) => h('th', { scope: 'col', class: 'text' }, t)))),
				h('tbody', {}, list.map((e) => h('tr', { 'data-event': e.id, 'data-kind': e.kind, 'data-open': String(e.open) },
					h('td', { class: 'text', title: e.opened_at }, fmt.dateTime(e.opened_at)),
					h('td', { class: 'text' }, h('span', { class: `badge ${e.open ? 'bad' : ''}` }, kindLabel(e.kind))),
					h('td', { class: 'text' }, e.account_name ?? '–'),
					h('td', { class: 'text wrap' }, e.message, e.hint ? h('div', { class: 'empty' }, e.hint) : null),
					h('td', { class: 'text', 'data-field': 'state' }, e.open ? 'open' : `cleared ${fmt.relative(e.cleared_at)}`),
					h('td', { class: 'text wrap' }, (e.deliveries || []).map((d) => h('span', {
						class: `badge ${d.state === 'delivered' ? 'ok' : d.state === 'failed' ? 'bad' : 'warn'}`,
						'data-channel': d.channel, 'data-state': d.state,
						title: d.delivered_at ? `delivered ${d.delivered_at}` : `${d.attempts} attempts` }, `${d.channel}: ${d.state}`))),
					h('td', { class: 'text' }, fix(e, ctx)))))))
			: h('p', { class: 'empty section', id: 'no-events' }, 'No events yet.')];
}
