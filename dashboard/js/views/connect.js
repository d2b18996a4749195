// How to connect an account and how to re-authorise one.  The dashboard
// reads through PostgREST's anonymous role, which may not write, so these
// are the psql commands for the database owner, filled in for this page.
import { h, command, sqlLiteral, fmt } from '../dom.js';
import { signedIn } from '../auth.js';
import { consentButton } from './owner.js';

// Where Google sends the browser back: this page.  It must be listed as an
// authorised redirect URI of the OAuth client; the field below can change it.
export function redirectUri() {
	return localStorage.getItem('tracker.redirect') || location.origin + location.pathname;
}

function redirectField(onChange) {
	const input = h('input', { type: 'url', value: redirectUri(), 'aria-label': 'Redirect URI', spellcheck: 'false' });
	input.addEventListener('input', () => {
		const v = input.value.trim();
		if (v && v !== location.origin + location.pathname) localStorage.setItem('tracker.redirect', v);
		else localStorage.removeItem('tracker.redirect');
		onChange();
	});
	return h('label', { class: 'field' }, h('span', {}, 'Redirect URI (as registered with your OAuth client):'), input);
}

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Berlin';

// The empty database: no account yet.
export function connectGuide({ first = false } = {}) {
	const steps = h('div');
	const draw = () => {
		const r = sqlLiteral(redirectUri());
		steps.replaceChildren(h('ol', { class: 'steps' },
			h('li', {}, 'In the Google Cloud console, create an OAuth client of type "Web application" and add the redirect URI above. ',
				'Then store it (keep this line out of shared shell history):',
				command("SELECT tracker.set_oauth_client('google_health', '<client id>', '<client secret>');")),
			h('li', {}, 'Add an account; its time zone decides where its days start:',
				command(`SELECT tracker.add_account('me', ${sqlLiteral(zone())});`)),
			h('li', {}, 'Get the consent link (1 is the id add_account returned) and open it in this browser:',
				command(`SELECT tracker.authorize_url(1, ${r});`)),
			h('li', {}, 'Google sends you back to this dashboard, which then shows the exact ',
				h('code', {}, 'tracker.connect(…)'), ' command with the code and state filled in.'),
			h('li', {}, 'Queue your history; the background workers fetch it and the Pipeline view shows their progress:',
				command(`SELECT tracker.backfill('[${new Date().getFullYear() - 1}-01-01,${new Date().toISOString().slice(0, 10)})', 1);`))));
	};
	draw();
	return h('section', { class: 'note', id: 'connect-guide', 'aria-labelledby': 'connect-h' },
		h('h1', { id: 'connect-h' }, first ? 'No account yet: connect one' : 'Connect an account'),
		h('p', {}, 'Tracker has no data to show. Accounts are connected in psql, as the database owner: ',
			'this page reads through a role that may not write.'),
		redirectField(draw), steps,
		h('p', { class: 'empty' }, 'Already have Fitbit files (a Web API download or an account export)? ',
			'Import them instead: ', h('code', {}, "SELECT tracker.add_account('me', 'Europe/Berlin', 'fitbit_import');"),
			' then ', h('code', {}, "SELECT * FROM tracker.import_fitbit_file(1, '/path/to/MyFitbitData');")));
}

// An account Google stopped accepting (revoked or expired consent).
export function reauthCta(a) {
	if (a.provider !== 'google_health') {	// API-key providers have no consent flow
		return h('section', { class: 'cta', role: 'alert', 'data-account': a.id },
			h('h2', {}, `Account "${a.name}" (${a.provider}) needs attention`),
			h('p', {}, a.reason || 'The provider no longer accepts its credentials.', ' Syncing is paused until they are set again in psql.'));
	}
	const steps = h('div');
	const draw = () => {
		const r = sqlLiteral(redirectUri());
		steps.replaceChildren(h('ol', { class: 'steps' },
			h('li', {}, 'Get a fresh consent link:', command(`SELECT tracker.authorize_url(${a.id}, ${r});`)),
			h('li', {}, 'Open the link, sign in with the Google account of ', h('b', {}, a.name), ' and allow access. ',
				'Google sends you back here and this page shows the command below with the code and state filled in.'),
			h('li', {}, 'Finish in psql:',
				command(`SELECT tracker.connect(${a.id}, '<code>', ${r}, '<state>');`))));
	};
	draw();
	const why = h('p', {}, 'Google no longer accepts its access', a.reason ? [': ', h('q', {}, a.reason)] : '',
		a.since ? ` (since ${fmt.relative(a.since)})` : '', '. Syncing is paused until it is connected again. ');
	// Signed in, the fix is one click: the consent, back here, connected.
	if (signedIn()) {
		return h('section', { class: 'cta', role: 'alert', 'data-account': a.id, id: `reauth-${a.id}-cta`, 'aria-labelledby': `reauth-${a.id}` },
			h('h2', { id: `reauth-${a.id}` }, `Account "${a.name}" needs re-authorisation`), why,
			h('p', {}, 'Sign in to Google as the person of ', h('b', {}, a.name), ' and allow access; Google sends you back here and the account is connected again. ',
				'A consent from another Google account is refused.'),
			consentButton(a, 'Re-consent'));
	}
	why.append('These commands run in psql as the database owner (or sign in as the owner, top right, for a button).');
	return h('section', { class: 'cta', role: 'alert', 'data-account': a.id, id: `reauth-${a.id}-cta`, 'aria-labelledby': `reauth-${a.id}` },
		h('h2', { id: `reauth-${a.id}` }, `Account "${a.name}" needs re-authorisation`), why,
		redirectField(draw), steps);
}
