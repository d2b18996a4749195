// Kinds of accounts and the views that fit them.  Health accounts (Google
// Health, Fitbit files) have heart-rate figures; listening accounts (Last.fm,
// ListenBrainz) have listens.  The Pipeline view is for every account.
import { h } from './dom.js';

export const PROVIDERS = {
	google_health: { label: 'Google Health', kind: 'health' },
	fitbit_import: { label: 'Fitbit files', kind: 'health' },
	lastfm: { label: 'Last.fm', kind: 'listening' },
	listenbrainz: { label: 'ListenBrainz', kind: 'listening' },
};

// The kind of data a view shows (null: any account).
export const VIEW_KIND = { overview: 'health', day: 'health', activities: 'health', sleep: 'health', vitals: 'health', body: 'health',
	listening: 'listening', pipeline: null, connect: null, events: null };

export const providerLabel = (p) => PROVIDERS[p]?.label ?? p;

// An account the page does not know (an id from the address that is not in
// api.accounts) is taken as a health account: its views report the error.
export const kindOf = (a) => (a && PROVIDERS[a.provider]?.kind === 'listening' ? 'listening' : 'health');
export const isListening = (a) => kindOf(a) === 'listening';

// Where an account's pages start.
export const homeView = (a) => (isListening(a) ? 'listening' : 'overview');

// Does a view fit an account?
export const fits = (view, a) => !VIEW_KIND[view] || !a || a.unknown || VIEW_KIND[view] === kindOf(a);

const TITLES = { overview: 'Overview', day: 'Day', activities: 'Activities', sleep: 'Sleep', vitals: 'Vitals', body: 'Body', listening: 'Listening' };

// A view asked for an account of the other kind: say so, and offer the
// account's own view and the accounts this view is for.
export function wrongKind(ctx, view) {
	const a = ctx.account;
	const want = VIEW_KIND[view];
	const others = ctx.accounts.filter((x) => kindOf(x) === want);
	const what = want === 'listening'
		? [`"${a.name}" is a ${providerLabel(a.provider)} account, not a listening account: it has heart-rate figures, no listens. `,
			h('a', { href: ctx.href('overview') }, 'See its overview'), '.']
		: [`"${a.name}" is a ${providerLabel(a.provider)} account, not a health account: it has listens, no heart-rate figures. `,
			h('a', { href: ctx.href('listening') }, 'See its listening'), '.'];
	return [
		h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, `${TITLES[view] || view}: ${a.name}`))),
		h('section', { class: 'note', id: 'wrong-kind', 'data-kind': kindOf(a), 'aria-labelledby': 'wrong-kind-h' },
			h('h2', { id: 'wrong-kind-h' }, want === 'listening' ? 'Not a listening account' : 'Not a health account'),
			h('p', {}, what),
			others.length
				? h('p', { class: 'empty' }, `${want === 'listening' ? 'Listening' : 'Health'} accounts: `,
					others.map((x, i) => [i ? ', ' : '', h('a', { href: ctx.href(view, null, { account: x.id }) }, x.name)]))
				: h('p', { class: 'empty' }, want === 'listening'
					? ['No listening account yet. Add one in psql, for example ',
						h('code', {}, "SELECT tracker.add_account(name => 'music', time_zone => 'Europe/Berlin', provider => 'listenbrainz', username => '<user name>');")]
					: 'No health account yet.')),
	];
}
