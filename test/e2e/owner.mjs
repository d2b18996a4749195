// Browser tests of the owner's sign-in and actions (run by run.mjs).  The
// owner's database holds the extension and PostgREST's jwt-secret and
// nothing else; the owner signs in with a token from tracker.owner_token(),
// sets the OAuth client, adds an account, connects it at the fake Google,
// backfills it and sees its figures, all in the page.  Then Google revokes
// and expires the grant: the webhook and the mail receiver each get one
// "needs re-consent" message, and one click in the Pipeline view renews it.
// Another person's grant is refused.  Every write is refused without the
// owner's token, with the dashboard's role, with a token of a wrong
// signature and with an expired one, with PostgREST's codes.
import fs from 'node:fs';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import pg from 'pg';

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(claims, secret) {
	const head = b64({ alg: 'HS256', typ: 'JWT' }), body = b64(claims);
	return `${head}.${body}.${crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

// What a receiver recorded (test/fakes/notify_receivers.py), one JSON a line.
const received = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const hookKinds = (file) => received(file).filter((m) => m.status < 300).map((m) => JSON.parse(m.body).kind);
const mailKinds = (file) => received(file).map((m) => (/^Event: (\S+)$/m.exec(m.data) || [])[1]);

// Poll a condition with a deadline (the workers and the notifier run on
// their own time).
async function until(what, cond, seconds = 90) {
	const deadline = Date.now() + seconds * 1000;
	for (;;) {
		const v = await cond();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

export async function ownerTests({ check, page, open: openView, shot, env }) {
	// Every view from a fresh page: the sign-in is read when the page loads,
	// and the same address again would not draw anything.
	const open = async (url) => {
		await page.goto('about:blank');
		await openView(url);
	};
	const OWNER = env('E2E_OWNER_URL');
	const FAKE = env('E2E_FAKE_URL');
	const SECRET = env('E2E_JWT_SECRET');
	const HOOK = env('E2E_HOOK_RECORD');
	const SMTP = env('E2E_SMTP_RECORD');
	const db = new pg.Client({ database: 'owner' });
	await db.connect();
	const one = async (text, values) => (await db.query(text, values)).rows[0];
	const fake = (path, body) => fetch(`${FAKE}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(body) }).then((r) => assert.ok(r.ok, `${path}: ${r.status}`));
	const post = async (fn, args, token) => {
		const r = await fetch(`${OWNER}/api/rpc/${fn}`, { method: 'POST',
			headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
			body: JSON.stringify(args) });
		return { status: r.status, body: await r.json(), auth: r.headers.get('www-authenticate') };
	};
	// The owner's token, as the database owner makes it in psql.
	const { token } = await one("SELECT tracker.owner_token(valid_for => '1 hour') AS token");
	let account = null;

	await check('owner: the empty database has nothing but the extension and the secret', async () => {
		const r = await one(`SELECT (SELECT count(*) FROM tracker.account)::int AS accounts,
			(SELECT count(*) FROM tracker.oauth_client)::int AS clients, (SELECT count(*) FROM tracker.jwt_secret)::int AS secrets`);
		assert.deepEqual(r, { accounts: 0, clients: 0, secrets: 1 });
	});

	await check('owner: without a token the Connect view asks for the sign-in and shows no action', async () => {
		await open(`${OWNER}/#/connect`);
		await page.evaluate(() => localStorage.removeItem('tracker.token'));
		await open(`${OWNER}/#/connect`);
		assert.ok(await page.$('#owner-signin-needed'));
		assert.equal(await page.$('#add-account, #oauth-client, [data-consent]'), null);
	});

	await check('owner: sign in with the token from tracker.owner_token(); it is kept, and sign-out forgets it', async () => {
		await open(`${OWNER}/#/connect`);
		await page.click('#sign-in');
		await page.fill('#token-input', token);
		await shot('sign-in.png');
		await page.press('#token-input', 'Enter');
		await page.waitForSelector('[data-signed-in="true"]');
		assert.equal(await page.evaluate(() => localStorage.getItem('tracker.token')), token);
		await open(`${OWNER}/#/connect`);
		assert.ok(await page.$('#add-account'));
		await page.click('#sign-out');
		await page.waitForSelector('#sign-in');
		assert.equal(await page.evaluate(() => localStorage.getItem('tracker.token')), null);
		await page.evaluate((t) => localStorage.setItem('tracker.token', t), token);
	});

	await check('owner: set the OAuth client and add an account in the page', async () => {
		await open(`${OWNER}/#/connect`);
		await page.fill('#oauth-client [name="client_id"]', 'test-client');
		await page.fill('#oauth-client [name="client_secret"]', 'test-secret');
		await page.click('#oauth-client button[type="submit"]');
		await page.waitForSelector('#oauth-client [data-outcome="ok"]');
		await page.fill('#add-account [name="name"]', 'owner-me');
		await page.fill('#add-account [name="time_zone"]', 'Europe/Berlin');
		await page.click('#add-account button[type="submit"]');
		await page.waitForSelector('#add-account [data-outcome="ok"]');
		account = (await one("SELECT account_id FROM tracker.account WHERE name = 'owner-me'")).account_id;
		await page.waitForSelector(`.owner-account[data-account="${account}"] [data-consent]`);
		assert.equal((await one('SELECT client_id FROM tracker.oauth_client')).client_id, 'test-client');
	});

	await check('owner: connect at Google (state and PKCE) and back: the page completes it', async () => {
		await fake('/_fake/consent', { user: 'owner1' });
		await page.click(`.owner-account[data-account="${account}"] [data-consent]`);
		await page.waitForSelector('#oauth-return[data-result]', { timeout: 20000 });
		assert.equal(await page.$eval('#oauth-return', (e) => e.dataset.result), 'connected');
		assert.doesNotMatch(page.url(), /code=/, 'the code leaves the address');
		const r = await one(`SELECT s.state, i.health_user_id IS NOT NULL AS identity, c.refresh_token IS NOT NULL AS token,
			(SELECT count(*) FROM tracker.oauth_pending)::int AS pending
			FROM tracker.account_auth s, tracker.account_identity i, tracker.credential c
			WHERE s.account_id = $1 AND i.account_id = $1 AND c.account_id = $1`, [account]);
		assert.deepEqual(r, { state: 'connected', identity: true, token: true, pending: 0 });
		await shot('connect-return.png');
	});

	await check('owner: backfill from the page, its progress, then the figures', async () => {
		await open(`${OWNER}/#/connect?account=${account}`);
		const { from, to } = await one("SELECT (current_date - 6)::text AS from, current_date::text AS to");
		await page.fill(`#backfill-${account} [name="start_date"]`, from);
		await page.fill(`#backfill-${account} [name="end_date"]`, to);
		await page.click(`#backfill-${account} button[type="submit"]`);
		const job = await page.waitForSelector(`.owner-account[data-account="${account}"] .job`);
		await page.waitForFunction((a) => ['done', 'failed'].includes(document.querySelector(`.owner-account[data-account="${a}"] .job`)?.dataset.state),
			account, { timeout: 180000, polling: 500 });
		assert.equal(await job.evaluate((j) => j.dataset.state), 'done');
		const rows = Number(await job.$eval('[data-field="rows_written"]', (e) => e.dataset.value));
		assert.ok(rows > 0, 'rows written');
		await shot('connect.png');
		const latest = (await one('SELECT max(day)::text AS d FROM gold.daily WHERE account_id = $1 AND samples > 0', [account])).d;
		assert.ok(latest, 'figures in gold');
		await open(`${OWNER}/#/overview?account=${account}`);
		assert.equal(await page.$eval('#latest', (e) => e.dataset.day), latest);
		const want = await one('SELECT resting_hr, wear_minutes FROM tracker.daily($1, daterange($2::date, $2::date, \'[]\'))', [account, latest]);
		assert.equal(await page.$eval('#latest [data-field="wear_minutes"]', (e) => e.dataset.value), String(want.wear_minutes));
	});

	await check('owner: Google revokes and expires the grant; webhook and mail each get one "needs re-consent"', async () => {
		await fake('/_fake/revoke', { user: 'owner1' });
		await fake('/_fake/expire', { user: 'owner1' });
		// The next fetch finds out: a backfill of the last days, from the page.
		await open(`${OWNER}/#/connect?account=${account}`);
		const { d } = await one('SELECT current_date::text AS d');
		await page.fill(`#backfill-${account} [name="start_date"]`, d);
		await page.fill(`#backfill-${account} [name="end_date"]`, d);
		await page.click(`#backfill-${account} button[type="submit"]`);
		await until('the account to need re-consent', async () =>
			(await one('SELECT state FROM tracker.account_auth WHERE account_id = $1', [account])).state === 'needs_reauth');
		await until('the webhook', () => hookKinds(HOOK).includes('needs_reauth'));
		await until('the mail', () => mailKinds(SMTP).includes('needs_reauth'));
		// Both deliveries done; a condition that holds stays one event (the
		// count is taken again after the renewal, below).
		await until('the deliveries', async () => Number((await one(`SELECT count(*) AS n FROM tracker.notify_delivery d
			JOIN tracker.notify_event e USING (event_id) WHERE e.kind = 'needs_reauth' AND d.state = 'delivered'`)).n) === 2);
		assert.equal(hookKinds(HOOK).filter((k) => k === 'needs_reauth').length, 1);
		assert.equal(mailKinds(SMTP).filter((k) => k === 'needs_reauth').length, 1);
	});

	await check('owner: the events list shows it with its deliveries and links the fix', async () => {
		await open(`${OWNER}/#/events`);
		const row = await page.waitForSelector('#events tr[data-kind="needs_reauth"][data-open="true"]');
		const chans = await row.$$eval('[data-channel]', (b) => b.map((x) => `${x.dataset.channel}:${x.dataset.state}`).sort());
		assert.deepEqual(chans, ['email:delivered', 'webhook:delivered']);
		assert.ok(await row.$('[data-consent]'), 'a re-consent button');
		const text = await page.$eval('#events', (t) => t.textContent);
		assert.doesNotMatch(text, /127\.0\.0\.1|owner@example\.org|e2e-smtp-/, 'no target or secret');
		await shot('events.png');
	});

	await check('owner: another person\'s grant is refused on re-consent, the stored tokens untouched', async () => {
		const before = await one('SELECT refresh_token, access_token, updated_at FROM tracker.credential WHERE account_id = $1', [account]);
		await fake('/_fake/consent', { user: 'intruder' });
		await open(`${OWNER}/#/pipeline`);
		await page.click(`#reauth-${account}-cta [data-consent]`);
		await page.waitForSelector('#oauth-return[data-result]', { timeout: 20000 });
		assert.equal(await page.$eval('#oauth-return', (e) => e.dataset.result), 'refused');
		const err = await page.$eval('#oauth-return .error', (e) => ({ code: e.dataset.errorCode, text: e.textContent }));
		assert.equal(err.code, '28000');
		assert.match(err.text, /the Google account that consented is not the one of account "owner-me"/);
		assert.match(err.text, /stored tokens were left as they were/);
		assert.match(err.text, /Sign in to Google as the person of account "owner-me"/);
		assert.deepEqual(await one('SELECT refresh_token, access_token, updated_at FROM tracker.credential WHERE account_id = $1', [account]), before);
		assert.equal((await one('SELECT state FROM tracker.account_auth WHERE account_id = $1', [account])).state, 'needs_reauth');
	});

	await check('owner: one click in the Pipeline view renews the grant; the event clears', async () => {
		await fake('/_fake/consent', { user: 'owner1' });
		await open(`${OWNER}/#/pipeline`);
		assert.ok(await page.$(`tr[data-account="${account}"] a[data-fix="reconsent"]`), 'the problem links its fix');
		await page.click(`#reauth-${account}-cta [data-consent]`);
		await page.waitForSelector('#oauth-return[data-result]', { timeout: 20000 });
		assert.equal(await page.$eval('#oauth-return', (e) => e.dataset.result), 'connected');
		assert.equal((await one('SELECT state FROM tracker.account_auth WHERE account_id = $1', [account])).state, 'connected');
		await until('the event to clear', async () =>
			Number((await one("SELECT count(*) AS n FROM tracker.notify_event WHERE kind = 'needs_reauth' AND cleared_at IS NULL")).n) === 0);
		await open(`${OWNER}/#/events`);
		assert.ok(await page.$('#events tr[data-kind="needs_reauth"][data-open="false"]'));
		assert.equal(hookKinds(HOOK).filter((k) => k === 'needs_reauth').length, 1);
	});

	await check('owner: a consent link works once and only for ten minutes', async () => {
		const r = await post('start_consent', { account, redirect_uri: `${OWNER}/` }, token);
		assert.equal(r.status, 200);
		const state = new URL(r.body).searchParams.get('state');
		await db.query("UPDATE tracker.oauth_pending SET created_at = now() - interval '11 minutes'");
		const old = await post('complete_consent', { code: 'any', state }, token);
		assert.equal(old.status, 403);
		assert.equal(old.body.code, '28000');
		assert.match(old.body.message, /has expired/);
		const again = await post('complete_consent', { code: 'any', state: 'not-the-state' }, token);
		assert.equal(again.body.message, 'no consent is pending for this link');
	});

	await check('owner: every write is refused without the owner\'s token, with PostgREST\'s codes', async () => {
		const now = Math.floor(Date.now() / 1000);
		const web = jwt({ role: 'tracker_web', exp: now + 600 }, SECRET);
		const wrong = jwt({ role: 'tracker_owner', exp: now + 600 }, SECRET + 'x');
		const expired = jwt({ role: 'tracker_owner', exp: now - 120 }, SECRET);
		const writes = [['set_oauth_client', { client_id: 'x', client_secret: 'y' }], ['add_account', { name: 'x', time_zone: 'UTC' }],
			['start_consent', { account, redirect_uri: `${OWNER}/` }], ['complete_consent', { code: 'c', state: 's' }],
			['start_backfill', { account, start_date: '2026-01-01', end_date: '2026-01-02' }],
			['set_username', { account, username: 'x' }], ['set_api_key', { provider: 'lastfm', api_key: '0123456789abcdef0123456789abcdef' }]];
		const counts = async () => one(`SELECT (SELECT count(*) FROM tracker.account)::int AS a, (SELECT count(*) FROM tracker.job)::int AS j,
			(SELECT client_id FROM tracker.oauth_client) AS c`);
		const before = await counts();
		for (const [fn, args] of writes) {
			let r = await post(fn, args, null);
			assert.deepEqual([r.status, r.body.code, r.body.message], [401, '42501', `permission denied for function ${fn}`], `${fn} anonymous`);
			r = await post(fn, args, web);
			assert.deepEqual([r.status, r.body.code], [403, '42501'], `${fn} as tracker_web`);
			r = await post(fn, args, wrong);
			assert.deepEqual([r.status, r.body.code], [401, 'PGRST301'], `${fn} wrong signature`);
			assert.match(r.auth, /^Bearer error="invalid_token"/);
			r = await post(fn, args, expired);
			assert.deepEqual([r.status, r.body.code, r.body.message], [401, 'PGRST303', 'JWT expired'], `${fn} expired`);
			r = await post(fn, args, 'not-a-jwt');
			assert.deepEqual([r.status, r.body.code], [401, 'PGRST301'], `${fn} malformed`);
		}
		assert.deepEqual(await counts(), before, 'nothing was written');
		// An unknown role: SET ROLE fails as PostgreSQL says.
		const r = await post('add_account', { name: 'x', time_zone: 'UTC' }, jwt({ role: 'nobody_here', exp: now + 600 }, SECRET));
		assert.deepEqual([r.status, r.body.code], [401, '22023']);
		// The owner's token reads nothing: tracker_owner runs the writers only.
		const read = await fetch(`${OWNER}/api/rpc/accounts`, { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(read.status, 403);
	});

	await check('owner: the page with a wrong or expired token says so and writes nothing', async () => {
		await page.evaluate((t) => localStorage.setItem('tracker.token', t), jwt({ role: 'tracker_owner', exp: Math.floor(Date.now() / 1000) + 600 }, 'wrong-secret-wrong-secret-wrong-secret'));
		await open(`${OWNER}/#/connect`);
		await page.fill('#add-account [name="name"]', 'not-added');
		await page.click('#add-account button[type="submit"]');
		const err = await page.waitForSelector('#add-account .error[role="alert"]');
		assert.equal(await err.evaluate((e) => e.dataset.errorCode), 'PGRST301');
		assert.match(await err.evaluate((e) => e.textContent), /did not accept the owner token/);
		assert.equal(Number((await one("SELECT count(*) AS n FROM tracker.account WHERE name = 'not-added'")).n), 0);
		await page.evaluate((t) => localStorage.setItem('tracker.token', t), jwt({ role: 'tracker_owner', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET));
		await open(`${OWNER}/#/connect`);
		assert.ok(await page.$('#owner-signin-needed'), 'an expired token is no sign-in');
		await page.evaluate(() => localStorage.removeItem('tracker.token'));
	});

	await db.end();
}
