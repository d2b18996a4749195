// Browser tests of the dashboard, started by test/e2e/run (which brings up
// the database, the fake Google Health API, the fake Last.fm and
// ListenBrainz APIs and the PostgREST stand-ins and passes their addresses
// in the environment).  Each check prints "ok" or
// "not ok"; the last line is "N passed, N failed".
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { ownerTests } from './owner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set (run test/e2e/run)`);
	return process.env[k];
};
const BASE = env('E2E_URL');			// stand-in over the filled database
const EMPTY = env('E2E_EMPTY_URL');		// stand-in over a database without accounts
const PROXY = env('E2E_PROXY_URL');		// stand-in forwarding /api/ to BASE
const FAKE = env('E2E_FAKE_URL');
const WORK = env('E2E_WORK');
const SHOTS = process.env.E2E_SHOTS || path.join(root, 'dashboard/screenshots');

const db = new pg.Client();			// the libpq environment: the cluster's superuser
await db.connect();
const sql = async (text, values) => (await db.query(text, values)).rows;
const one = async (text, values) => (await sql(text, values))[0];

let passed = 0, failed = 0;
async function check(name, fn, skipWhy = null) {
	// E2E_ONLY=<prefix>: only the checks whose names start with it (while working on them).
	if (process.env.E2E_ONLY && !name.startsWith(process.env.E2E_ONLY)) return;
	if (skipWhy) {
		console.log(`skip - ${name} (${skipWhy})`);
		return;
	}
	try {
		await fn();
		passed++;
		console.log(`ok - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok - ${name}`);
		console.log('  ' + String(e && e.stack || e).split('\n').slice(0, 8).join('\n  '));
	}
}

async function get(url) {
	const res = await fetch(url);
	const text = await res.text();
	let body = null;
	try { body = JSON.parse(text); } catch { /* not JSON */ }
	return { status: res.status, headers: res.headers, text, body };
}

// ------------------------------------------------------------ the browser
const browser = await chromium.launchPersistentContext(path.join(WORK, 'chromium-profile'), {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	viewport: { width: 1280, height: 800 },
	colorScheme: 'light',
	locale: 'en-GB',
	timezoneId: 'America/New_York',	// not the account's zone: the page must use the account's
});
const page = browser.pages()[0] || await browser.newPage();
const jsErrors = [];
page.on('pageerror', (e) => jsErrors.push(e.message));
page.on('console', (m) => {
	// Failed API calls are logged by the browser as resource errors; those are expected in the error tests.
	if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) jsErrors.push(m.text());
});

// Open a view and wait until it has drawn (that address: a change of the
// hash alone keeps the page, and the last view drawn, until it renders).
async function open(url) {
	await page.goto(url);
	await page.waitForFunction(() => {
		const m = document.querySelector('main');
		return m?.dataset.render && m.dataset.hash === location.hash && m.getAttribute('aria-busy') === 'false';
	}, null, { timeout: 20000 });
	await page.waitForTimeout(150);	// charts draw on the next frame
}
const shot = (name) => page.screenshot({ path: path.join(SHOTS, name) });
const values = (selector) => page.$$eval(selector, (els) => els.map((e) => e.dataset.value));
const value = async (selector) => {
	const v = await page.$eval(selector, (e) => e.dataset.value);
	return v === '' ? null : v;
};
const norm = (v) => (v === null || v === undefined ? null : String(Number(v)));

fs.mkdirSync(SHOTS, { recursive: true });
const { tz } = await one('SELECT time_zone AS tz FROM tracker.account WHERE account_id = 1');
const latest = (await one("SELECT max(day)::text AS d FROM gold.daily WHERE account_id = 1 AND samples > 0")).d;
// The day the Day view is checked on: the latest with minutes in the third zone and an exercise.
const D = (await one(`SELECT g.day::text AS d FROM gold.daily g WHERE g.account_id = 1 AND g.zone3_minutes > 0
	AND EXISTS (SELECT FROM silver.exercise e WHERE e.account_id = 1 AND e.day = g.day) ORDER BY g.day DESC LIMIT 1`)).d;
const daily = async (a, from, to) => sql(`SELECT day::text, samples, wear_minutes, below_zone_minutes, zone1_minutes, zone2_minutes,
	zone3_minutes, zone4_minutes, resting_hr, reported_resting_hr, reported_zone1_minutes, reported_zone2_minutes,
	reported_zone3_minutes, reported_zone4_minutes,
	zone2_minutes + 2 * (zone3_minutes + zone4_minutes) AS active_zone_minutes
	FROM tracker.daily($1, daterange($2::date, $3::date, '[]'))`, [a, from, to]);
const FIELDS = ['samples', 'wear_minutes', 'below_zone_minutes', 'zone1_minutes', 'zone2_minutes', 'zone3_minutes', 'zone4_minutes',
	'resting_hr', 'reported_resting_hr', 'reported_zone1_minutes', 'reported_zone2_minutes',
	'reported_zone3_minutes', 'reported_zone4_minutes', 'active_zone_minutes'];
// A zone's name as the dashboard shows it: "out_of_range" -> "Out of range".
const zoneLabel = (n) => n.charAt(0).toUpperCase() + n.slice(1).replace(/_/g, ' ');

// ------------------------------------------------------------ static checks
await check('the dashboard\'s scripts parse', async () => {
	const files = fs.readdirSync(path.join(root, 'dashboard/js'), { recursive: true }).filter((f) => f.endsWith('.js'));
	assert.ok(files.length >= 8);
	for (const f of files) execFileSync(process.execPath, ['--check', path.join(root, 'dashboard/js', f)], { stdio: 'pipe' });
});

await check('the vendored uPlot is the one in test/e2e/package-lock.json', async () => {
	const lock = JSON.parse(fs.readFileSync(path.join(root, 'test/e2e/package-lock.json')));
	const version = lock.packages['node_modules/uplot'].version;
	assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'test/e2e/node_modules/uplot/package.json'))).version, version);
	for (const [vendored, orig] of [['uPlot.iife.min.js', 'dist/uPlot.iife.min.js'], ['uPlot.min.css', 'dist/uPlot.min.css'], ['uPlot.LICENSE', 'LICENSE']]) {
		assert.ok(fs.readFileSync(path.join(root, 'dashboard/vendor', vendored)).equals(fs.readFileSync(path.join(root, 'test/e2e/node_modules/uplot', orig))),
			`dashboard/vendor/${vendored} differs from uplot ${version}: npm --prefix test/e2e run vendor`);
	}
});

// ------------------------------------------------------------ the stand-in speaks PostgREST
await check('stand-in: a table function answers a JSON array of objects', async () => {
	const r = await get(`${BASE}/api/rpc/accounts`);
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^application\/json/);
	const n = (await one('SELECT count(*)::int AS n FROM tracker.account')).n;
	assert.equal(r.body.length, n);
	for (const k of ['id', 'name', 'provider', 'state', 'reason', 'since', 'last_sync', 'data_up_to', 'next_sync', 'errors_24h']) {
		assert.ok(k in r.body[0], k);
	}
});

await check('stand-in: a json function answers its value as is (heart_rate_day)', async () => {
	const r = await get(`${BASE}/api/rpc/heart_rate_day?account=1&day=${D}`);
	assert.equal(r.status, 200);
	const n = (await one('SELECT count(*)::int AS n FROM tracker.heart_rate(1, $1)', [D])).n;
	assert.equal(r.body.t.length, n);
	assert.equal(r.body.bpm.length, n);
	assert.equal(r.body.time_zone, tz);
});

await check('stand-in: runs as authenticator, SET ROLE tracker_web, read only', async () => {
	const r = await get(`${BASE}/api/rpc/e2e_whoami`);
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body, { session_user: 'authenticator', current_user: 'tracker_web', read_only: 'on' });
});

await check('stand-in: unknown function or arguments -> 404 PGRST202', async () => {
	let r = await get(`${BASE}/api/rpc/nope`);
	assert.equal(r.status, 404);
	assert.deepEqual(r.body, { code: 'PGRST202', details: 'Searched for the function api.nope without parameters, but no matches were found in the schema cache.',
		hint: null, message: 'Could not find the function api.nope without parameters in the schema cache' });
	r = await get(`${BASE}/api/rpc/daily?account=1&start=2026-01-01`);
	assert.equal(r.status, 404);
	assert.equal(r.body.code, 'PGRST202');
	assert.equal(r.body.message, 'Could not find the function api.daily(account, start) in the schema cache');
	assert.equal(r.body.hint, 'Perhaps you meant to call the function api.daily(account, end_date, start_date)');
});

await check('stand-in: bad argument value -> 400 with the database error', async () => {
	const r = await get(`${BASE}/api/rpc/daily?account=abc&start_date=2026-01-01&end_date=2026-01-02`);
	assert.equal(r.status, 400);
	assert.deepEqual(r.body, { code: '22P02', details: null, hint: null, message: 'invalid input syntax for type integer: "abc"' });
});

await check('stand-in: not granted -> 401 42501 with WWW-Authenticate', async () => {
	const r = await get(`${BASE}/api/rpc/e2e_secret`);
	assert.equal(r.status, 401);
	assert.equal(r.body.code, '42501');
	assert.equal(r.body.message, 'permission denied for function e2e_secret');
	assert.equal(r.headers.get('www-authenticate'), 'Bearer');
});

await check('stand-in: RAISE -> 400 P0001 with details and hint', async () => {
	const r = await get(`${BASE}/api/rpc/e2e_raise?what=disk`);
	assert.equal(r.status, 400);
	assert.deepEqual(r.body, { code: 'P0001', details: 'what: disk', hint: 'try later', message: 'no disk' });
});

await check('stand-in: a write in a GET -> 405 25006', async () => {
	const r = await get(`${BASE}/api/rpc/e2e_write`);
	assert.equal(r.status, 405);
	assert.equal(r.body.code, '25006');
});

await check('stand-in: serves dashboard/ and nothing outside it', async () => {
	let r = await get(`${BASE}/`);
	assert.equal(r.status, 200);
	assert.match(r.text, /<title>Tracker<\/title>/);
	r = await get(`${BASE}/vendor/uPlot.iife.min.js`);
	assert.equal(r.status, 200);
	for (const p of ['/../Makefile', '/%2e%2e/Makefile', '/..%2fMakefile', '/js/../../Makefile']) {
		r = await get(BASE + p);
		assert.equal(r.status, 404, p);
	}
});

await check('stand-in --upstream: forwards /api/ to PostgREST unchanged', async () => {
	const a = await get(`${BASE}/api/rpc/daily?account=1&start_date=${D}&end_date=${D}`);
	const b = await get(`${PROXY}/api/rpc/daily?account=1&start_date=${D}&end_date=${D}`);
	assert.equal(b.status, 200);
	assert.deepEqual(b.body, a.body);
	const c = await get(`${PROXY}/api/rpc/nope`);
	assert.equal(c.status, 404);
	assert.equal(c.body.code, 'PGRST202');
	assert.equal((await get(`${PROXY}/`)).status, 200);
});

// ------------------------------------------------------------ the stand-in's CSV
// CSV as PostgREST writes it: a value is quoted when it is empty or holds a
// comma, quote, backslash, parenthesis or white space, with quotes and
// backslashes doubled inside (PostgreSQL's text form of a row).
function parseCsv(text) {
	const rows = [];
	let row = [], field = '', quoted = false, i = 0;
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if ((c === '"' || c === '\\') && text[i + 1] === c) { field += c; i += 2; continue; }
			if (c === '"') { quoted = false; i++; continue; }
			field += c;
			i++;
			continue;
		}
		if (c === '"') quoted = true;
		else if (c === ',') { row.push(field); field = ''; }
		else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
		else field += c;
		i++;
	}
	row.push(field);
	rows.push(row);
	return rows;
}
const getCsv = (url, accept = 'text/csv') => fetch(url, { headers: { Accept: accept } })
	.then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));
// A query's rows with every value as its text (NULL as ''), and its column names.
async function asText(query, params) {
	const r = await db.query({ text: `SELECT * FROM (${query}) q`, values: params, types: { getTypeParser: () => (v) => v } });
	return { header: r.fields.map((f) => f.name), rows: r.rows.map((row) => r.fields.map((f) => row[f.name] ?? '')) };
}

await check('stand-in CSV: Accept: text/csv gives a set-returning function\'s rows (api.daily) as CSV', async () => {
	const from = (await one('SELECT ($1::date - 29)::text AS d', [latest])).d;
	const r = await getCsv(`${BASE}/api/rpc/daily?account=1&start_date=${from}&end_date=${latest}`);
	assert.equal(r.status, 200);
	assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
	const want = await asText('SELECT * FROM api.daily($1, $2, $3)', [1, from, latest]);
	assert.equal(want.rows.length, 30);
	assert.equal(r.headers.get('content-range'), '0-29/*');
	assert.ok(!r.text.endsWith('\n'), 'no newline after the last row');
	const [header, ...rows] = parseCsv(r.text);
	assert.deepEqual(header, want.header);
	assert.deepEqual(rows, want.rows);
	for (const row of rows) assert.equal(row.length, header.length);
});

await check('stand-in CSV: NULL, booleans, arrays, json, quotes, commas, backslashes and line breaks as PostgREST writes them', async () => {
	const r = await getCsv(`${BASE}/api/rpc/e2e_csv`);
	assert.equal(r.status, 200);
	assert.equal(r.text, 'n,flag,tags,doc,note,empty,nothing\n'
		+ '1,t,"{a,""b c""}","{""k"": [1, 2]}","say ""hi"", ok","",\n'
		+ '2,f,{},null,"back\\\\slash\nline",x,');
	assert.deepEqual(parseCsv(r.text).slice(1), [['1', 't', '{a,"b c"}', '{"k": [1, 2]}', 'say "hi", ok', '', ''],
		['2', 'f', '{}', 'null', 'back\\slash\nline', 'x', '']]);
});

await check('stand-in CSV: no rows is an empty header line; one value or row is 406; JSON unless CSV is preferred', async () => {
	const none = await getCsv(`${BASE}/api/rpc/daily?account=999&start_date=2020-01-01&end_date=2020-01-31`);
	assert.equal(none.status, 200);
	assert.equal(none.text, '\n');
	assert.equal(none.headers.get('content-range'), '*/*');
	const scalar = await getCsv(`${BASE}/api/rpc/heart_rate_day?account=1&day=${D}`);
	assert.equal(scalar.status, 406);
	assert.equal(JSON.parse(scalar.text).code, 'PGRST107');
	const xml = await getCsv(`${BASE}/api/rpc/e2e_csv`, 'application/xml');
	assert.equal(xml.status, 406);
	assert.deepEqual(JSON.parse(xml.text), { code: 'PGRST107', details: null, hint: null,
		message: 'None of these media types are available: application/xml' });
	for (const [accept, type] of [['*/*', 'application/json'], ['text/csv;q=0.5, application/json', 'application/json'],
		['application/json;q=0.2, text/csv', 'text/csv'], ['text/html, text/csv;q=0.9, */*;q=0.8', 'text/csv']]) {
		const a = await getCsv(`${BASE}/api/rpc/e2e_csv`, accept);
		assert.equal(a.status, 200, accept);
		assert.equal(a.headers.get('content-type'), `${type}; charset=utf-8`, accept);
	}
	// Errors stay JSON.
	const err = await getCsv(`${BASE}/api/rpc/daily?account=1&start_date=nope&end_date=2020-01-31`);
	assert.equal(err.status, 400);
	assert.equal(err.headers.get('content-type'), 'application/json; charset=utf-8');
	assert.equal(JSON.parse(err.text).code, '22007');
});

await check('stand-in: a view reads as JSON or CSV; an unknown or ungranted one is refused', async () => {
	const j = await get(`${BASE}/api/e2e_view`);
	assert.equal(j.status, 200);
	assert.deepEqual(j.body, [{ id: 1, label: 'one, two', day: null }, { id: 2, label: '', day: '2026-01-31' }]);
	const c = await getCsv(`${BASE}/api/e2e_view`);
	assert.equal(c.headers.get('content-type'), 'text/csv; charset=utf-8');
	assert.equal(c.text, 'id,label,day\n1,"one, two",\n2,"",2026-01-31');
	const hidden = await get(`${BASE}/api/e2e_hidden`);
	assert.equal(hidden.status, 401);
	assert.equal(hidden.body.code, '42501');
	const unknown = await get(`${BASE}/api/nope`);
	assert.equal(unknown.status, 404);
	assert.equal(unknown.body.code, 'PGRST205');
	assert.equal((await get(`${BASE}/api/e2e_view?id=eq.1`)).status, 400);
});

// ------------------------------------------------------------ Overview
await check('overview: the latest day\'s tiles equal tracker.daily()', async () => {
	await open(`${BASE}/#/overview?account=1`);
	assert.equal(await page.$eval('#latest', (e) => e.dataset.day), latest);
	const [want] = await daily(1, latest, latest);
	for (const f of ['resting_hr', 'reported_resting_hr', 'active_zone_minutes', 'below_zone_minutes', 'zone1_minutes', 'zone2_minutes',
		'zone3_minutes', 'zone4_minutes', 'wear_minutes', 'samples']) {
		assert.equal(norm(await value(`#latest [data-field="${f}"]`)), norm(want[f]), f);
	}
	// The zones add up: below the zones and the four zones are the time worn.
	assert.equal(want.below_zone_minutes + want.zone1_minutes + want.zone2_minutes + want.zone3_minutes + want.zone4_minutes,
		want.wear_minutes);
	// What is seen, not only the data attributes.
	assert.equal(await page.$eval('#latest [data-field="resting_hr"]', (e) => e.textContent), String(want.resting_hr));
	const week = await one(`SELECT sum(zone2_minutes + 2 * (zone3_minutes + zone4_minutes))::int AS azm
		FROM tracker.daily(1, daterange(date_trunc('week', $1::date)::date, $1::date, '[]'))`, [latest]);
	assert.equal(norm(await value('#latest [data-field="week_active_zone_minutes"]')), norm(week.azm));
	await shot('overview.png');
});

await check('overview: the last 14 days equal tracker.daily(), Tracker and Fitbit side by side', async () => {
	const rows = await page.$$eval('#recent-card tbody tr', (trs) => trs.map((tr) => ({
		day: tr.dataset.day,
		...Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((e) => [e.dataset.field, e.dataset.value === '' ? null : e.dataset.value])),
	})));
	assert.equal(rows.length, 14);
	const want = new Map((await daily(1, rows[rows.length - 1].day, rows[0].day)).map((r) => [r.day, r]));
	for (const r of rows) {
		for (const f of FIELDS.filter((x) => x !== 'samples')) assert.equal(norm(r[f]), norm(want.get(r.day)[f]), `${r.day} ${f}`);
	}
});

await check('overview: the zones are named as Google Health names them, with the minutes below them', async () => {
	const names = (await one(`SELECT tracker.zone_names(zone_scheme) AS n FROM gold.daily WHERE account_id = 1 AND day = $1`, [latest])).n;
	assert.deepEqual(names, ['light', 'moderate', 'vigorous', 'peak']);
	const labels = names.map(zoneLabel);
	assert.deepEqual(await page.$$eval('#zones-card .key span', (s) => s.map((e) => e.textContent.trim())), labels.slice(1));
	assert.deepEqual(await page.$$eval('#recent-card thead th[data-zone]', (s) => s.map((e) => e.textContent)),
		[1, 2, 3, 0].map((i) => `${labels[i]} (min)`));
	const tile = await page.$eval('#latest', (e) => e.textContent);
	for (const n of names) assert.ok(tile.toLowerCase().includes(n.replace(/_/g, ' ')), `the tile names ${n}`);
	assert.ok(!/out of range|fat burn|cardio/i.test(await page.$eval('main', (e) => e.textContent)), 'no Fitbit names for Google days');
	// The readout has every zone of the day and the minutes below them.
	const [z] = await sql('SELECT * FROM api.zone_minutes(1, $1, $1)', [latest]);
	const readout = await page.$eval('#zones-card .readout', (e) => e.textContent);
	assert.ok(readout.includes(`light ${z.zone1}`) && readout.includes(`moderate ${z.zone2}`) && readout.includes(`vigorous ${z.zone3}`)
		&& readout.includes(`peak ${z.zone4}`) && readout.includes(`below zones ${z.below_zones}`), readout);
});

await check('overview: four charts drawn over the range, with their series named', async () => {
	for (const id of ['rhr-card', 'zones-card', 'weekly-card', 'wear-card']) {
		const info = await page.$eval(`#${id}`, (c) => ({
			canvas: c.querySelector('canvas')?.width || 0, points: Number(c.querySelector('.chart')?.dataset.points || 0),
			key: c.querySelectorAll('.key span').length, readout: c.querySelector('.readout')?.textContent || '',
		}));
		assert.ok(info.canvas > 300, `${id} canvas`);
		assert.ok(info.points > 0, `${id} points`);
		assert.ok(info.key >= 1, `${id} names its series`);
		assert.ok(info.readout.trim().length > 5, `${id} readout`);
	}
	const start = (await one(`SELECT ($1::date - 89)::text AS d`, [latest])).d;
	const n = (await one(`SELECT count(*)::int AS n FROM tracker.wear_time(1, daterange($1::date, $2::date, '[]'))`, [start, latest])).n;
	assert.equal(await page.$eval('#wear-card .chart', (c) => Number(c.dataset.points)), n);
	// Hovering shows the day's values in the readout.
	const box = await page.$eval('#rhr-card .u-over', (e) => { const r = e.getBoundingClientRect(); return { x: r.x + r.width - 3, y: r.y + r.height / 2 }; });
	await page.mouse.move(box.x, box.y);
	const text = await page.$eval('#rhr-card .readout', (e) => e.textContent);
	const [last] = await sql('SELECT bpm FROM api.resting_hr_trend(1, $1, $1)', [latest]);
	assert.match(text, new RegExp(`Tracker ${last.bpm} bpm`));
});

await check('overview: the year calendar has a square per day, each linking to its day', async () => {
	const cells = await values('#calendar-card rect[data-day]');
	assert.equal(cells.length, 365);
	const [want] = await daily(1, D, D);
	assert.equal(norm(await value(`#calendar-card rect[data-day="${D}"]`)), norm(want.active_zone_minutes));
	const href = await page.$eval(`#calendar-card rect[data-day="${D}"]`, (r) => r.parentNode.getAttribute('href'));
	assert.equal(href, `#/day/${D}?account=1`);
	await (await page.$('#calendar-card')).screenshot({ path: path.join(SHOTS, 'calendar.png') });
	await page.selectOption('#calendar-card select', 'wear');
	assert.equal(norm(await value(`#calendar-card rect[data-day="${D}"]`)), norm(want.wear_minutes));
	await page.selectOption('#calendar-card select', 'azm');
});

// ------------------------------------------------------------ Day
await check('day: the figures equal tracker.daily()', async () => {
	await open(`${BASE}/#/day/${D}?account=1`);
	const [want] = await daily(1, D, D);
	for (const f of FIELDS) assert.equal(norm(await value(`#day-figures [data-field="${f}"]`)), norm(want[f]), f);
	const bounds = await page.$$eval('#zone-table tbody tr', (trs) => trs.map((tr) => tr.children[1].textContent));
	const zb = (await one('SELECT zone_bounds FROM gold.daily WHERE account_id = 1 AND day = $1', [D])).zone_bounds;
	assert.deepEqual(bounds, [`< ${zb[0]}`, `${zb[0]}–${zb[1] - 1}`, `${zb[1]}–${zb[2] - 1}`, `${zb[2]}–${zb[3] - 1}`, `${zb[3]}+`]);
	// The rows are tracker.zone_minutes(): below the zones, then the zones as Google names them.
	const zones = await sql(`SELECT zone, minutes FROM tracker.zone_minutes(1, daterange($1::date, $1::date, '[]'))`, [D]);
	assert.deepEqual(zones.map((z) => z.zone), ['below_zones', 'light', 'moderate', 'vigorous', 'peak']);
	const rows = await page.$$eval('#zone-table tbody tr', (trs) => trs.map((tr) => ({ zone: tr.dataset.zone,
		label: tr.children[0].textContent, minutes: tr.children[2].querySelector('[data-field]').dataset.value })));
	assert.deepEqual(rows.map((r) => r.zone), zones.map((z) => z.zone));
	assert.deepEqual(rows.map((r) => r.label), zones.map((z) => zoneLabel(z.zone)));
	assert.deepEqual(rows.map((r) => Number(r.minutes)), zones.map((z) => z.minutes));
	assert.equal(norm(await value('#day-figures [data-field="zone_total_minutes"]')), norm(want.wear_minutes));
	assert.equal(await page.$eval('#zone-table thead', (e) => e.textContent), 'ZonebpmTrackerGoogle');
	await shot('day.png');
});

await check('day: every sample is charted, watch-off gaps left as gaps', async () => {
	const card = await page.$eval('#hr-card', (c) => ({ samples: Number(c.dataset.samples), gaps: Number(c.dataset.gaps),
		points: Number(c.querySelector('.chart').dataset.points), caption: c.querySelector('#gap-caption')?.textContent }));
	const want = await one(`
		WITH s AS (SELECT ts, lag(ts) OVER (ORDER BY ts) AS prev FROM tracker.heart_rate(1, $1)),
		     d AS (SELECT ($1::date)::timestamp AT TIME ZONE $2 AS lo, ($1::date + 1)::timestamp AT TIME ZONE $2 AS hi)
		SELECT count(*)::int AS samples,
		       (count(*) FILTER (WHERE ts - prev > interval '5 minutes'))::int AS inner_gaps,
		       ((min(ts) - (SELECT lo FROM d) > interval '5 minutes')::int + ((SELECT hi FROM d) - max(ts) > interval '5 minutes')::int) AS edge_gaps
		FROM s`, [D, tz]);
	assert.equal(card.samples, want.samples);
	assert.equal(card.gaps, want.inner_gaps + want.edge_gaps);
	// One null point is inserted per gap between samples, so the line breaks there.
	assert.equal(card.points, want.samples + want.inner_gaps);
	assert.match(card.caption, card.gaps ? /gaps? without samples/ : /No gaps/);
	// The axis is the account's local day, not the browser's (New York here).
	const x = await page.$eval('#hr-card .chart', (c) => [Number(c.dataset.xmin), Number(c.dataset.xmax)]);
	const day = await one(`SELECT extract(epoch FROM ($1::date)::timestamp AT TIME ZONE $2)::int AS lo,
		extract(epoch FROM ($1::date + 1)::timestamp AT TIME ZONE $2)::int AS hi`, [D, tz]);
	assert.deepEqual(x, [day.lo, day.hi]);
});

await check('day: previous and next day links, and the date field', async () => {
	await page.click('a[rel="prev"]');
	await page.waitForFunction((d) => location.hash.startsWith(`#/day/${d}`) && document.querySelector('main').getAttribute('aria-busy') === 'false',
		(await one('SELECT ($1::date - 1)::text AS d', [D])).d);
	await page.fill('input[type="date"]', D);
	await page.dispatchEvent('input[type="date"]', 'change');
	await page.waitForFunction((d) => document.querySelector('#day-figures')?.dataset.day === d, D);
});

// ------------------------------------------------------------ Activities
await check('activities: one row per exercise with distance, pace, heart rate and zones', async () => {
	await open(`${BASE}/#/activities?account=1`);
	const start = (await one('SELECT ($1::date - 89)::text AS d', [latest])).d;
	const want = await sql(`SELECT exercise_id, day::text, round((distance_m / 1000)::numeric, 2) AS km, avg_heart_rate,
		coalesce(active_seconds, extract(epoch FROM end_at - start_at)::bigint) AS secs, vigorous_seconds
		FROM silver.exercise WHERE account_id = 1 AND day BETWEEN $1 AND $2 ORDER BY start_at DESC`, [start, latest]);
	const rows = await page.$$eval('#activities-card tbody tr', (trs) => trs.map((tr) => ({
		id: tr.dataset.id, day: tr.dataset.day, text: tr.textContent,
		...Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((e) => [e.dataset.field, e.dataset.value])),
	})));
	assert.equal(rows.length, want.length);
	assert.ok(rows.length > 5);
	rows.forEach((r, i) => {
		assert.equal(r.id, want[i].exercise_id);
		assert.equal(norm(r.distance_km), norm(want[i].km), `${r.id} distance`);
		assert.equal(norm(r.avg_heart_rate), norm(want[i].avg_heart_rate), `${r.id} heart rate`);
		assert.equal(norm(r.duration_s), norm(want[i].secs), `${r.id} duration`);
	});
	const run = rows.find((r) => /Run/.test(r.text) && r.pace_min_per_km);
	const w = want.find((x) => x.exercise_id === run.id);
	const pace = Number(w.secs) / 60 / Number(w.km ? (Number(w.km)) : 1);
	assert.ok(Math.abs(Number(run.pace_min_per_km) - pace) < 0.02, 'pace');
	assert.match(run.text, /\d+:\d\d \/km/);
	await shot('activities.png');
});

// ------------------------------------------------------------ Listening
// Account 3 is a Last.fm account in Tokyo (synced by tracker.sync), account 4
// a ListenBrainz account in Los Angeles whose name has quotes, CJK and emoji
// (backfilled by the workers).  Among account 3's listens are late scrobbles
// of an artist and tracks whose names look like markup (see test/e2e/run).
const LFM = 3, LB = 4;
const INJECTED = '<img src=x onerror="window.__injected=1"> "Rock & Roll" 坂本 🎸';
const lfm = await one(`SELECT a.time_zone AS tz, (SELECT max(day)::text FROM gold.listening_daily g WHERE g.account_id = a.account_id) AS latest
	FROM tracker.account a WHERE a.account_id = $1`, [LFM]);
const addDays = async (d, n) => (await one('SELECT ($1::date + $2::int)::text AS d', [d, n])).d;
const lfmStart = await addDays(lfm.latest, -89);
// Every day of a range, days without listens as zero (tracker.listening leaves them out).
const listeningDays = (a, from, to) => sql(`SELECT d::date::text AS day, coalesce(l.listens, 0) AS listens, coalesce(l.artists, 0) AS artists
	FROM generate_series($2::date, $3::date, interval '1 day') d
	LEFT JOIN tracker.listening($1, daterange($2::date, $3::date, '[]')) l ON l.day = d::date ORDER BY 1`, [a, from, to]);
// The headline figures, straight from silver.
const listenSummary = (a, from, to) => one(`SELECT count(*)::int AS listens, count(DISTINCT artist)::int AS artists,
	count(DISTINCT (artist, track))::int AS tracks, count(DISTINCT day)::int AS days_with_listens,
	min(day)::text AS first_day, max(day)::text AS last_day
	FROM silver.listen WHERE account_id = $1 AND day BETWEEN $2 AND $3`, [a, from, to]);
const visibleNav = () => page.$$eval('.top nav a', (as) => as.filter((a) => !a.hidden).map((a) => a.dataset.view));

await check('listening: the headline tiles equal the listens in silver', async () => {
	await open(`${BASE}/#/listening?account=${LFM}`);
	assert.equal(await page.$eval('main', (m) => m.dataset.view), 'listening');
	const range = await page.$eval('#listening-summary', (e) => [e.dataset.start, e.dataset.end]);
	assert.deepEqual(range, [lfmStart, lfm.latest]);
	const want = await listenSummary(LFM, lfmStart, lfm.latest);
	assert.ok(want.listens > 1000, `${want.listens} listens`);
	for (const [f, v] of Object.entries(want)) assert.equal(await value(`#listening-summary [data-field="${f}"]`), String(v), f);
	// What is seen, not only the data attributes.
	assert.equal(await page.$eval('#listening-summary [data-field="listens"]', (e) => e.textContent), want.listens.toLocaleString('en-US'));
	// The same total as tracker.listening's days.
	const days = await listeningDays(LFM, lfmStart, lfm.latest);
	assert.equal(days.reduce((n, d) => n + d.listens, 0), want.listens);
	assert.match(await page.$eval('main .page-head p', (e) => e.textContent), new RegExp(`Last\\.fm · times in ${lfm.tz}`));
	await page.screenshot({ path: path.join(SHOTS, 'listening.png'), fullPage: true });
});

await check('listening: listens per day as bars (days without listens as zero), distinct artists as a line', async () => {
	const want = await listeningDays(LFM, lfmStart, lfm.latest);
	const chart = await page.$eval('#per-day-card', (c) => ({ canvas: c.querySelector('canvas')?.width || 0,
		points: Number(c.querySelector('.chart')?.dataset.points || 0), key: [...c.querySelectorAll('.key span')].map((k) => k.textContent) }));
	assert.ok(chart.canvas > 300, 'canvas');
	assert.equal(chart.points, 90);
	assert.deepEqual(chart.key, ['Listens', 'Distinct artists']);
	const rows = async () => page.$$eval('#per-day-table tbody tr', (trs) => trs.map((tr) => ({ day: tr.dataset.day,
		listens: Number(tr.querySelector('[data-field="listens"]').dataset.value), artists: Number(tr.querySelector('[data-field="artists"]').dataset.value) })).reverse());
	assert.deepEqual(await rows(), want);
	// Hovering the last bar shows its day.
	const box = await page.$eval('#per-day-card .u-over', (e) => { const r = e.getBoundingClientRect(); return { x: r.x + r.width - 2, y: r.y + r.height / 2 }; });
	await page.mouse.move(box.x, box.y);
	const last = want[want.length - 1];
	assert.match(await page.$eval('#per-day-card .readout', (e) => e.textContent),
		new RegExp(`: ${last.listens} listens? · ${last.artists} artists?$`));
	// A year: the months before the history began are there, as zeros.
	await open(`${BASE}/#/listening?account=${LFM}&days=365`);
	const year = await listeningDays(LFM, await addDays(lfm.latest, -364), lfm.latest);
	const got = await rows();
	assert.equal(got.length, 365);
	assert.deepEqual(got, year);
	assert.ok(got.filter((d) => d.listens === 0).length >= 365 - 121, 'days without listens');
	assert.equal(await page.$eval('#per-day-card .chart', (c) => Number(c.dataset.points)), 365);
});

await check('listening: top artists and top tracks equal tracker.top_artists / top_tracks, names shown as text', async () => {
	await open(`${BASE}/#/listening?account=${LFM}`);
	const days = [LFM, lfmStart, lfm.latest];
	const artists = await sql(`SELECT artist, listens FROM tracker.top_artists($1, daterange($2::date, $3::date, '[]'), 10)`, days);
	const tracks = await sql(`SELECT artist, track, listens FROM tracker.top_tracks($1, daterange($2::date, $3::date, '[]'), 10)`, days);
	const shown = (id) => page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => ({
		...Object.fromEntries([...tr.querySelectorAll('[data-field="artist"], [data-field="track"]')].map((e) => [e.dataset.field, e.textContent])),
		listens: Number(tr.querySelector('[data-field="listens"]').dataset.value) })));
	assert.deepEqual(await shown('top-artists'), artists);
	assert.deepEqual(await shown('top-tracks'), tracks);
	// The late scrobbles with markup in their names are among them, as text.
	assert.ok(artists.some((a) => a.artist === INJECTED), 'the injected artist is among the top 10');
	assert.ok(tracks.some((t) => t.track === 'Track <b>one</b> & "1"'), 'the injected track is among the top 10');
	assert.equal(await page.$$eval('main img, main b b, #top-tracks td td', (e) => e.length), 0, 'no element made from a name');
	assert.equal(await page.evaluate(() => window.__injected), undefined);
	// The headline tiles name the most played.
	assert.equal(await page.$eval('#listening-summary .sub.clip b', (b) => b.textContent), artists[0].artist);
});

await check('listening: the week × hour heat map equals tracker.listening_heatmap, in the account\'s local time', async () => {
	const cells = await page.$$eval('#heat-card rect[data-dow]', (r) => r.map((x) => ({ dow: Number(x.dataset.dow), hour: Number(x.dataset.hour), listens: Number(x.dataset.value) })));
	assert.equal(cells.length, 168);
	const want = await sql(`SELECT dow, hour, listens FROM tracker.listening_heatmap($1, daterange($2::date, $3::date, '[]'))`, [LFM, lfmStart, lfm.latest]);
	assert.deepEqual(cells, want);
	// Local time: the clock hour in Tokyo of each listen in silver (not UTC, not the browser's New York).
	const local = await sql(`SELECT extract(isodow FROM day)::int AS dow, extract(hour FROM played_at AT TIME ZONE $4)::int AS hour, count(*)::int AS listens
		FROM silver.listen WHERE account_id = $1 AND day BETWEEN $2 AND $3 GROUP BY 1, 2`, [LFM, lfmStart, lfm.latest, lfm.tz]);
	for (const l of local) assert.equal(cells.find((c) => c.dow === l.dow && c.hour === l.hour).listens, l.listens, `${l.dow} ${l.hour}`);
	assert.equal(cells.reduce((n, c) => n + c.listens, 0), (await listenSummary(LFM, lfmStart, lfm.latest)).listens);
	// Each row's total, and the readout under the cursor.
	const totals = await page.$$eval('#heat-card text.total', (t) => t.map((x) => x.textContent));
	assert.deepEqual(totals, [1, 2, 3, 4, 5, 6, 7].map((d) => cells.filter((c) => c.dow === d).reduce((n, c) => n + c.listens, 0).toLocaleString('en-US')));
	const friday20 = cells.find((c) => c.dow === 5 && c.hour === 20);
	await page.hover('#heat-card rect[data-dow="5"][data-hour="20"]');
	assert.equal(await page.$eval('#heat-card .readout', (e) => e.textContent), `Friday 20:00–21:00: ${friday20.listens} listen${friday20.listens === 1 ? '' : 's'}`);
	assert.match(await page.$eval('#heat-card .desc', (e) => e.textContent), new RegExp(lfm.tz));
	await (await page.$('#heat-card')).screenshot({ path: path.join(SHOTS, 'listening-heatmap.png') });
});

await check('listening: a ListenBrainz account named with quotes, CJK and emoji', async () => {
	const { name, latest: lbLatest } = await one(`SELECT name, (SELECT max(day)::text FROM gold.listening_daily WHERE account_id = $1) AS latest
		FROM tracker.account WHERE account_id = $1`, [LB]);
	assert.equal(name, 'Mika\'s "late" 音楽 🎧');
	await open(`${BASE}/#/listening?account=${LB}`);
	assert.equal(await page.$eval('main h1', (e) => e.textContent), `Listening: ${name}`);
	assert.equal(await page.$eval('#account option:checked', (e) => e.textContent), `${name} (#${LB})`);
	const from = await addDays(lbLatest, -89);
	const want = await listenSummary(LB, from, lbLatest);
	assert.ok(want.listens > 100);
	for (const [f, v] of Object.entries(want)) assert.equal(await value(`#listening-summary [data-field="${f}"]`), String(v), f);
	// 45 days of history in a 90-day range: the first half are zeros.
	const rows = await page.$$eval('#per-day-table tbody tr [data-field="listens"]', (e) => e.map((x) => Number(x.dataset.value)));
	assert.deepEqual(rows.reverse(), (await listeningDays(LB, from, lbLatest)).map((d) => d.listens));
	assert.ok(rows.filter((n) => n === 0).length >= 40);
});

await check('listening and health views are each offered to their own kind of account', async () => {
	// A health account: no Listening in the menu, and the view says why.
	await open(`${BASE}/#/overview?account=1`);
	assert.deepEqual(await visibleNav(), ['overview', 'day', 'activities', 'sleep', 'vitals', 'body', 'pipeline', 'events', 'connect']);
	await open(`${BASE}/#/listening?account=1`);
	let note = await page.$eval('#wrong-kind', (e) => ({ kind: e.dataset.kind, text: e.textContent }));
	assert.equal(note.kind, 'health');
	assert.match(note.text, /not a listening account/);
	assert.ok(note.text.includes('Mika\'s "late" 音楽 🎧'), 'names the listening accounts');
	// A listening account: the health views say it is not a health account.
	for (const v of ['overview', `day/${D}`, 'activities', 'sleep', 'vitals', 'body']) {
		await open(`${BASE}/#/${v}?account=${LFM}`);
		note = await page.$eval('#wrong-kind', (e) => ({ kind: e.dataset.kind, text: e.textContent }));
		assert.equal(note.kind, 'listening', v);
		assert.match(note.text, /not a health account/, v);
		assert.equal(await page.$('#latest, #day-figures, #activities-card'), null, v);
	}
	await open(`${BASE}/#/listening?account=${LFM}`);
	assert.deepEqual(await visibleNav(), ['listening', 'pipeline', 'events', 'connect']);
	// Without a view in the address, an account opens on its own kind's view.
	await open(`${BASE}/#/?account=${LFM}`);
	assert.equal(await page.$eval('main', (m) => m.dataset.view), 'listening');
	// The picker groups the accounts; picking a listening account on a health view goes to its Listening view.
	await open(`${BASE}/#/overview?account=1&days=30`);
	assert.deepEqual(await page.$$eval('#account optgroup', (g) => g.map((x) => x.label)), ['Health', 'Listening']);
	await page.selectOption('#account', String(LFM));
	await page.waitForFunction((id) => location.hash === `#/listening?account=${id}` && document.querySelector('main').dataset.view === 'listening'
		&& document.querySelector('main').getAttribute('aria-busy') === 'false', LFM);
	// ... and back: a health account on the Listening view goes to its overview.
	await page.selectOption('#account', '1');
	await page.waitForFunction(() => location.hash === '#/overview?account=1' && document.querySelector('#latest'));
});

// ------------------------------------------------------------ Sleep, Vitals and Body
// Account "e2e-health" (test/e2e/seed_health.sql): 60 days of nights with
// their stages (every 10th with its source's summary only, a nap every 7th
// day), vitals with outliers on days 40, 52 and 55, and weighings, ending
// two days ago; nothing syncs it, so the views show exactly the seed.
const HEALTH = (await one("SELECT account_id AS id FROM tracker.account WHERE name = 'e2e-health'")).id;
const hEnd = (await one('SELECT max(day)::text AS d FROM gold.daily WHERE account_id = $1', [HEALTH])).d;
const hStart = await addDays(hEnd, -89);
const seedDay = (d) => addDays(hEnd, d - 60);	// the seed's day d (1..60)
// The rows of a table with their data-field values (null for '').
const tableRows = (selector) => page.$$eval(selector, (trs) => trs.map((tr) => ({ day: tr.dataset.day, id: tr.dataset.id,
	...Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((e) => [e.dataset.field, e.dataset.value === '' ? null : e.dataset.value])) })));
const nightsSql = (a, from, to) => sql(`SELECT day::text, sleep_id, nap, minutes_asleep, minutes_awake, minutes_in_period,
	deep_minutes, light_minutes, rem_minutes, awake_minutes, bedtime::text, wake_time::text
	FROM api.sleep_nights($1, $2, $3)`, [a, from, to]);
const NIGHT_FIELDS = ['minutes_asleep', 'minutes_in_period', 'deep_minutes', 'light_minutes', 'rem_minutes', 'awake_minutes'];
const close = (got, want, what) => assert.ok(Math.abs(Number(got) - Number(want)) < 1e-6, `${what}: ${got} (page) and ${want} (SQL)`);

await check('sleep: last night\'s figures and its hypnogram equal api.sleep_nights and silver.sleep_stage', async () => {
	await open(`${BASE}/#/sleep?account=${HEALTH}`);
	assert.equal(await page.$eval('main', (m) => m.dataset.view), 'sleep');
	const all = await nightsSql(HEALTH, hStart, hEnd);
	const last = all.filter((n) => !n.nap).at(-1);
	assert.equal(last.day, hEnd);
	assert.equal(await page.$eval('#sleep-summary', (e) => e.dataset.day), last.day);
	for (const f of [...NIGHT_FIELDS.filter((x) => x !== 'minutes_in_period')]) {
		assert.equal(norm(await value(`#sleep-summary [data-field="${f}"]`)), norm(last[f]), f);
	}
	assert.equal(await value('#sleep-summary [data-field="bedtime"]'), last.bedtime);
	assert.equal(await value('#sleep-summary [data-field="wake_time"]'), last.wake_time);
	// What is seen: the clock on the account's time zone (Berlin), not the browser's (New York).
	assert.equal(await page.$eval('#sleep-summary [data-field="bedtime"]', (e) => e.textContent), last.bedtime.slice(0, 5));
	// The stage minutes are the stage intervals added up, as seeded.
	const stages = await sql(`SELECT stage, round(sum(extract(epoch FROM end_at - start_at)) / 60)::int AS minutes, count(*)::int AS n
		FROM silver.sleep_stage WHERE account_id = $1 AND sleep_id = $2 GROUP BY stage`, [HEALTH, last.sleep_id]);
	for (const s of stages) assert.equal(last[`${s.stage.toLowerCase()}_minutes`], s.minutes, s.stage);
	const n = stages.reduce((a, s) => a + s.n, 0);
	assert.equal(n, 13);
	const card = await page.$eval('#hypnogram-card', (c) => ({ stages: Number(c.dataset.stages), canvas: c.querySelector('canvas')?.width || 0,
		points: Number(c.querySelector('.chart')?.dataset.points || 0), key: [...c.querySelectorAll('.key span')].map((k) => k.textContent) }));
	assert.equal(card.stages, n);
	assert.equal(card.points, n + 1, 'each stage\'s start and the end of the last');
	assert.ok(card.canvas > 300, 'canvas');
	assert.deepEqual(card.key, ['Awake', 'REM', 'Light', 'Deep']);
	// Hovering the chart names the stage under the cursor.
	const box = await page.$eval('#hypnogram-card .u-over', (e) => {
		e.scrollIntoView({ block: 'center' });
		const r = e.getBoundingClientRect();
		return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
	});
	await page.mouse.move(box.x, box.y);
	assert.match(await page.$eval('#hypnogram-card .readout', (e) => e.textContent), /^\d\d:\d\d–\d\d:\d\d · (Awake|REM|Light|Deep) · /);
	await page.screenshot({ path: path.join(SHOTS, 'sleep.png'), fullPage: true });
});

await check('sleep: every night of the range equals api.sleep_nights, naps and nights without stages included', async () => {
	const want = (await nightsSql(HEALTH, hStart, hEnd)).reverse();
	const rows = await tableRows('#nights-table tbody tr');
	assert.equal(rows.length, want.length);
	assert.equal(want.filter((n) => n.nap).length, 8);
	rows.forEach((r, i) => {
		const w = want[i];
		assert.equal(r.id, w.sleep_id);
		assert.equal(r.day, w.day);
		for (const f of NIGHT_FIELDS) assert.equal(norm(r[f]), norm(w[f]), `${w.sleep_id} ${f}`);
		assert.equal(r.bedtime, w.bedtime, `${w.sleep_id} bedtime`);
		assert.equal(r.wake_time, w.wake_time, `${w.sleep_id} wake time`);
	});
	// A night whose source sent only its summary has its stage minutes all the same.
	const summaryOnly = want.find((n) => n.sleep_id === 'night-53');
	assert.equal((await one('SELECT count(*)::int AS n FROM silver.sleep_stage WHERE account_id = $1 AND sleep_id = $2', [HEALTH, 'night-53'])).n, 0);
	assert.ok(summaryOnly.deep_minutes > 0 && summaryOnly.rem_minutes > 0);
	// One bar per night in the chart.
	assert.equal(await page.$eval('#nights-card .chart', (c) => Number(c.dataset.points)), want.filter((n) => !n.nap).length);
});

await check('sleep: bedtime and wake time regularity equal their mean and standard deviation in SQL', async () => {
	const want = await one(`SELECT avg(b) AS bm, stddev_samp(b) AS bs, avg(w) AS wm, stddev_samp(w) AS ws, count(*)::int AS n,
		count(*) FILTER (WHERE b < 0)::int AS before_midnight
		FROM (SELECT CASE WHEN extract(epoch FROM bedtime) / 60 >= 720 THEN extract(epoch FROM bedtime) / 60 - 1440
		                  ELSE extract(epoch FROM bedtime) / 60 END AS b,
		             extract(epoch FROM wake_time) / 60 AS w
		      FROM api.sleep_nights($1, $2, $3) WHERE NOT nap) x`, [HEALTH, hStart, hEnd]);
	// The seed's bedtimes fall both sides of midnight: the mean and the spread must not jump a day.
	assert.ok(want.before_midnight > 0 && want.before_midnight < want.n, `${want.before_midnight} of ${want.n} before midnight`);
	close(await value('#regularity-card [data-field="bedtime_mean"]'), want.bm, 'bedtime mean');
	close(await value('#regularity-card [data-field="bedtime_sd"]'), want.bs, 'bedtime sd');
	close(await value('#regularity-card [data-field="wake_time_mean"]'), want.wm, 'wake time mean');
	close(await value('#regularity-card [data-field="wake_time_sd"]'), want.ws, 'wake time sd');
	close(await value('#sleep-summary [data-field="bedtime_sd"]'), want.bs, 'bedtime sd tile');
	assert.equal(await page.$eval('#regularity-card [data-field="bedtime_sd"]', (e) => e.textContent), `${Math.round(Number(want.bs))} min`);
	assert.ok(Number(want.bs) < 60, 'bedtimes around 23:00 vary by less than an hour');
	assert.equal(await page.$eval('#regularity-card .chart', (c) => Number(c.dataset.points)), want.n);
});

await check('sleep: Download CSV of the nights and of last night\'s stages equal the api functions in SQL', async () => {
	assert.deepEqual(await page.$$eval('main a.csv', (as) => as.map((a) => a.closest('.card').id)),
		['hypnogram-card', 'nights-card', 'regularity-card', 'nights-table']);
	const got = await download('#nights-card a.csv');
	assert.equal(got.name, `sleep-nights-${hStart}-${hEnd}.csv`);
	assert.deepEqual(got.params, { account: String(HEALTH), from_day: hStart, to_day: hEnd });
	const want = await asText('SELECT * FROM api.sleep_nights($1, $2, $3)', [HEALTH, hStart, hEnd]);
	assert.deepEqual(got.rows, [want.header, ...want.rows]);
	const st = await download('#hypnogram-card a.csv');
	assert.equal(st.name, `sleep-stages-${hEnd}.csv`);
	const stWant = await asText('SELECT * FROM api.sleep_stages($1, $2)', [HEALTH, hEnd]);
	assert.equal(stWant.rows.length, 13);
	assert.deepEqual(st.rows, [stWant.header, ...stWant.rows]);
});

await check('sleep: the synced account\'s nights equal api.sleep_nights; a range without sleep says what to connect', async () => {
	await open(`${BASE}/#/sleep?account=1`);
	const from = await addDays(latest, -89);
	const want = (await nightsSql(1, from, latest)).reverse();
	if (want.length) {
		const rows = await tableRows('#nights-table tbody tr');
		assert.deepEqual(rows.map((r) => r.id), want.map((w) => w.sleep_id));
		rows.forEach((r, i) => { for (const f of NIGHT_FIELDS) assert.equal(norm(r[f]), norm(want[i][f]), `${r.id} ${f}`); });
	} else {
		assert.ok(await page.$('#no-sleep'));
	}
	await open(`${BASE}/#/sleep?account=${HEALTH}&end=2020-01-31`);
	const note = await page.$eval('#no-sleep', (e) => e.textContent);
	assert.match(note, /^No sleep between Sun, 3 Nov 2019 and Fri, 31 Jan 2020\./);
	assert.match(note, /No sleep yet: connect a Google Health account with the sleep scope, or import a Fitbit export/);
	assert.equal(await page.$$eval('main a.csv', (as) => as.length), 0);
});

const VITAL_KEYS = ['hrv_ms', 'spo2_avg', 'respiratory_rate', 'skin_temp_variation_c', 'resting_hr'];
const vitalsSql = (a, from, to) => sql(`SELECT day::text, ${VITAL_KEYS.map((k) => `${k}, ${k}_baseline, ${k}_outside`).join(', ')}
	FROM api.vitals($1, $2, $3)`, [a, from, to]);
const vitalsRows = () => page.$$eval('#vitals-table tbody tr', (trs) => trs.map((tr) => ({ day: tr.dataset.day,
	...Object.fromEntries([...tr.querySelectorAll('td')].map((td) => {
		const e = td.querySelector('[data-field]');
		return [[e.dataset.field, e.dataset.value === '' ? null : e.dataset.value], [`${e.dataset.field}_outside`, td.dataset.outside]];
	}).flat()) })));

await check('vitals: every day\'s values and outside flags equal api.vitals', async () => {
	await open(`${BASE}/#/vitals?account=${HEALTH}`);
	const want = (await vitalsSql(HEALTH, hStart, hEnd)).reverse();
	assert.equal(want.length, 60);
	const rows = await vitalsRows();
	assert.equal(rows.length, want.length);
	rows.forEach((r, i) => {
		assert.equal(r.day, want[i].day);
		for (const k of VITAL_KEYS) {
			assert.equal(norm(r[k]), norm(want[i][k]), `${r.day} ${k}`);
			assert.equal(r[`${k}_outside`], String(want[i][`${k}_outside`]), `${r.day} ${k} outside`);
		}
	});
	// The seed's outliers are marked: HRV on days 40 and 52, breathing, skin temperature and resting heart rate on day 55.
	const marked = async (k, d) => page.$eval(`#vitals-table tr[data-day="${await seedDay(d)}"] td:has([data-field="${k}"])`, (td) => td.dataset.outside);
	assert.equal(await marked('hrv_ms', 40), 'true');
	assert.equal(await marked('hrv_ms', 52), 'true');
	for (const k of ['respiratory_rate', 'skin_temp_variation_c', 'resting_hr']) assert.equal(await marked(k, 55), 'true', k);
	// The skin temperature of the last days is the provider's (nightly minus its baseline).
	assert.equal(norm(rows[0].skin_temp_variation_c), norm(0.4));
	await page.screenshot({ path: path.join(SHOTS, 'vitals.png'), fullPage: true });
});

await check('vitals: the tiles and charts: latest values, baselines and the days outside them', async () => {
	const want = await vitalsSql(HEALTH, hStart, hEnd);
	for (const k of VITAL_KEYS) {
		const last = want.filter((d) => d[k] !== null).at(-1);
		assert.equal(norm(await value(`#vitals-summary [data-vital="${k}"] [data-field="${k}"]`)), norm(last[k]), k);
		const outside = want.filter((d) => d[`${k}_outside`] === true).length;
		assert.equal(Number(await value(`#vitals-summary [data-vital="${k}"] [data-field="outside_days"]`)), outside, `${k} outside days`);
		const c = await page.$eval(`#${k.replace(/_/g, '-')}-card`, (e) => ({ outside: Number(e.dataset.outside), canvas: e.querySelector('canvas')?.width || 0,
			points: Number(e.querySelector('.chart')?.dataset.points || 0) }));
		assert.equal(c.outside, outside, `${k} card`);
		assert.ok(c.canvas > 300, `${k} canvas`);
		assert.ok(c.points >= 55, `${k} points`);
	}
	// HRV's baseline on the last day, straight from gold.daily_vitals: the 30 days before it.
	const b = await one(`SELECT round(avg(hrv_ms)::numeric, 1) AS m FROM gold.daily_vitals
		WHERE account_id = $1 AND day BETWEEN $2::date - 30 AND $2::date - 1 AND hrv_ms IS NOT NULL`, [HEALTH, hEnd]);
	assert.match(await page.$eval('#vitals-summary [data-vital="hrv_ms"]', (e) => e.textContent), new RegExp(`baseline ${b.m}`));
	assert.match(await page.$eval('#hrv-ms-card .readout', (e) => e.textContent), new RegExp(`baseline ${b.m} \\(`));
});

await check('vitals: Download CSV equals api.vitals in SQL; a range without vitals says what to connect', async () => {
	assert.equal(await page.$$eval('main a.csv', (as) => as.length), 6);
	const got = await download('#hrv-ms-card a.csv');
	assert.equal(got.name, `vitals-hrv-ms-${hStart}-${hEnd}.csv`);
	const want = await asText('SELECT * FROM api.vitals($1, $2, $3)', [HEALTH, hStart, hEnd]);
	assert.deepEqual(got.rows, [want.header, ...want.rows]);
	await open(`${BASE}/#/vitals?account=${HEALTH}&end=2020-01-31`);
	assert.match(await page.$eval('#no-vitals', (e) => e.textContent), /No vitals yet: connect a Google Health account/);
	// The synced account: whatever it has (resting heart rate at least) equals api.vitals.
	await open(`${BASE}/#/vitals?account=1`);
	const mine = (await vitalsSql(1, await addDays(latest, -89), latest)).reverse();
	const rows = await vitalsRows();
	assert.equal(rows.length, mine.length);
	rows.forEach((r, i) => { for (const k of VITAL_KEYS) assert.equal(norm(r[k]), norm(mine[i][k]), `${r.day} ${k}`); });
});

await check('body: weight, its 7-day mean and body fat equal api.body', async () => {
	await open(`${BASE}/#/body?account=${HEALTH}`);
	const want = (await sql('SELECT day::text, weight_kg, body_fat_pct, weight_kg_7d FROM api.body($1, $2, $3)', [HEALTH, hStart, hEnd])).reverse();
	assert.equal(want.length, 40);
	const rows = await tableRows('#body-table tbody tr');
	assert.equal(rows.length, want.length);
	rows.forEach((r, i) => {
		assert.equal(r.day, want[i].day);
		for (const f of ['weight_kg', 'body_fat_pct', 'weight_kg_7d']) assert.equal(norm(r[f]), norm(want[i][f]), `${r.day} ${f}`);
	});
	const w = want.filter((d) => d.weight_kg !== null);
	assert.equal(norm(await value('#body-summary [data-field="weight_kg"]')), norm(w[0].weight_kg));
	assert.equal(norm(await value('#body-summary [data-field="weight_kg_7d"]')), norm(w[0].weight_kg_7d));
	assert.equal(norm(await value('#body-summary [data-field="body_fat_pct"]')), norm(want.find((d) => d.body_fat_pct !== null).body_fat_pct));
	const change = await one(`SELECT round((last.weight_kg - first.weight_kg)::numeric, 1) AS c
		FROM (SELECT weight_kg FROM api.body($1, $2, $3) WHERE weight_kg IS NOT NULL ORDER BY day DESC LIMIT 1) last,
		     (SELECT weight_kg FROM api.body($1, $2, $3) WHERE weight_kg IS NOT NULL ORDER BY day LIMIT 1) first`, [HEALTH, hStart, hEnd]);
	assert.equal(norm(await value('#body-summary [data-field="weight_change_kg"]')), norm(change.c));
	assert.equal(await page.$eval('#weight-card .chart', (c) => Number(c.dataset.points)), w.length);
	assert.equal(await page.$eval('#body-fat-card .chart', (c) => Number(c.dataset.points)), want.filter((d) => d.body_fat_pct !== null).length);
	await shot('body.png');
});

await check('body: Download CSV equals api.body in SQL; a range without measurements says what to connect', async () => {
	assert.deepEqual(await page.$$eval('main a.csv', (as) => as.map((a) => a.closest('.card').id)), ['weight-card', 'body-fat-card', 'body-table']);
	const got = await download('#weight-card a.csv');
	assert.equal(got.name, `weight-${hStart}-${hEnd}.csv`);
	const want = await asText('SELECT * FROM api.body($1, $2, $3)', [HEALTH, hStart, hEnd]);
	assert.deepEqual(got.rows, [want.header, ...want.rows]);
	await open(`${BASE}/#/body?account=${HEALTH}&end=2020-01-31`);
	assert.match(await page.$eval('#no-body', (e) => e.textContent), /No weight or body fat yet: connect a Google Health account/);
	// Earlier and Later step a whole range.
	await open(`${BASE}/#/body?account=${HEALTH}&days=30`);
	assert.equal(await page.$eval('a[rel="prev"]', (a) => a.getAttribute('href')), `#/body?account=${HEALTH}&days=30&end=${await addDays(hEnd, -30)}`);
	assert.equal(await page.$('a[rel="next"]'), null);
});

// ------------------------------------------------------------ Pipeline
await check('pipeline: the flow shows the row counts of each layer, a lane per source', async () => {
	await open(`${BASE}/#/pipeline`);
	const want = await one(`SELECT (SELECT count(*) FROM bronze.payload)::int AS bronze_payloads,
		(SELECT count(*) FROM bronze.payload WHERE status = 'rejected')::int AS bronze_rejected,
		(SELECT count(*) FROM silver.heart_rate_day)::int AS silver_heart_rate_days,
		(SELECT count(*) FROM silver.exercise)::int AS silver_exercises,
		(SELECT count(*) FROM gold.daily)::int AS gold_days,
		(SELECT count(*) FROM silver.listen)::int AS silver_listens,
		(SELECT count(*) FROM gold.listening_daily)::int AS gold_listening_days,
		(SELECT count(*) FROM tracker.account WHERE provider = 'google_health')::int AS accounts_google_health,
		(SELECT count(*) FROM tracker.account WHERE provider = 'lastfm')::int AS accounts_lastfm,
		(SELECT count(*) FROM tracker.account WHERE provider = 'listenbrainz')::int AS accounts_listenbrainz,
		(SELECT count(*) FROM silver.listen WHERE source = 'lastfm')::int AS listens_lastfm,
		(SELECT count(*) FROM silver.listen WHERE source = 'listenbrainz')::int AS listens_listenbrainz`);
	assert.ok(want.listens_lastfm > 0 && want.listens_listenbrainz > 0);
	for (const [f, v] of Object.entries(want)) assert.equal(norm(await value(`#flow [data-field="${f}"]`)), norm(v), f);
	const stages = await page.$$eval('#flow .stage', (s) => s.map((x) => x.dataset.stage));
	assert.deepEqual(stages, ['google_health', 'lastfm', 'listenbrainz', 'bronze', 'silver', 'silver.listen', 'gold.daily', 'gold.listening_daily', 'dashboard']);
	// The picture: the sources stacked on the left, each lane's silver and gold in its own row, bronze and the dashboard shared.
	const box = Object.fromEntries(await page.$$eval('#flow .stage', (s) => s.map((x) => { const r = x.getBoundingClientRect(); return [x.dataset.stage, [r.left, r.top, r.right, r.bottom]]; })));
	assert.ok(box.lastfm[1] >= box.google_health[3] && box.listenbrainz[1] >= box.lastfm[3], 'sources one below the other');
	assert.ok(box['silver.listen'][1] >= box.silver[3] && box['gold.listening_daily'][1] >= box['gold.daily'][3], 'listening below health');
	assert.ok(box.bronze[3] >= box.listenbrainz[3] - 1 && box.dashboard[3] >= box.listenbrainz[3] - 1, 'bronze and the dashboard span every lane');
	assert.ok(box.bronze[0] > box.lastfm[2] && box['silver.listen'][0] > box.bronze[2] && box['gold.listening_daily'][0] > box['silver.listen'][2]
		&& box.dashboard[0] > box['gold.listening_daily'][2], 'left to right');
	// The accounts table links each account to its own kind of view.
	assert.equal(await page.$eval(`tr[data-account="${LFM}"] th a`, (a) => a.getAttribute('href')), `#/listening?account=${LFM}`);
	assert.equal(await page.$eval('tr[data-account="1"] th a', (a) => a.getAttribute('href')), '#/overview?account=1');
	await (await page.$('#flow')).screenshot({ path: path.join(SHOTS, 'pipeline-flow.png') });
	await page.evaluate(() => window.scrollTo(0, 0));
});

let authorizeCmd;
await check('pipeline: an account that needs re-authorisation gets the exact commands', async () => {
	const cta = await page.$('section.cta[data-account="2"]');
	assert.ok(cta, 'call to action for account 2');
	const cmds = await cta.$$eval('pre', (p) => p.map((x) => x.textContent));
	authorizeCmd = cmds[0];
	assert.equal(authorizeCmd, `SELECT tracker.authorize_url(2, '${BASE}/');`);
	assert.equal(cmds[1], `SELECT tracker.connect(2, '<code>', '${BASE}/', '<state>');`);
	assert.equal(await page.$eval('tr[data-account="2"] [data-state]', (b) => b.dataset.state), 'needs_reauth');
	await shot('pipeline.png');
});

await check('pipeline: jobs with progress bars, errors of the last 24 h, sync state per data type', async () => {
	const job = await page.$eval('#jobs-card .job[data-state="done"]', (j) => {
		const p = j.querySelector('progress');
		return { value: p.value, max: p.max };
	});
	assert.ok(job.max > 0 && job.value === job.max, 'a finished job has a full bar');
	const errors = await page.$$eval('#errors-card tbody tr', (t) => t.map((r) => r.textContent));
	const n = (await one(`SELECT count(*)::int AS n FROM tracker.sync_log WHERE at > now() - interval '24 hours'
		AND outcome IN ('failed', 'rejected', 'auth')`)).n;
	assert.equal(errors.length, Math.min(n, 50));
	const types = await page.$$eval('#sync-card tr[data-account="1"]', (t) => t.map((r) => r.dataset.type));
	assert.deepEqual(types, (await sql('SELECT data_type FROM tracker.sync_state WHERE account_id = 1 ORDER BY data_type')).map((r) => r.data_type));
});

await check('re-authorisation: consent link -> back to the dashboard -> the connect command it shows works', async () => {
	// The command the page shows, run as the database owner would.
	const { url } = await one(authorizeCmd.replace(/^SELECT /, 'SELECT ').replace(/;$/, '') + ' AS url');
	await fetch(`${FAKE}/_fake/consent`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'oldwatch' }) });
	await open(url);		// the fake's consent page redirects straight back with ?code=&state=
	assert.match(page.url(), /[?&]code=/);
	const cmd = await page.$eval('#oauth-return pre', (p) => p.textContent);
	assert.match(cmd, new RegExp(`^SELECT tracker\\.connect\\(2, '[^']+', '${BASE.replace(/[.]/g, '\\.')}/', '[0-9a-f]+'\\);$`));
	await shot('reauthorise.png');
	const { connect } = await one(cmd.replace(/;$/, ' AS connect'));
	assert.equal(connect, 'connected');
	await page.click('#oauth-return button:has-text("Dismiss")');
	assert.doesNotMatch(page.url(), /code=/);
	await open(`${BASE}/#/pipeline`);
	assert.equal(await page.$('section.cta[data-account="2"]'), null);
	assert.equal(await page.$eval('tr[data-account="2"] [data-state]', (b) => b.dataset.state), 'connected');
});

await check('docker/nginx.conf: dashboard and /api/ on one origin, read only, with its headers', async () => {
	const NGINX = process.env.E2E_NGINX_URL;
	const a = await get(`${NGINX}/api/rpc/daily?account=1&start_date=${D}&end_date=${D}`);
	assert.equal(a.status, 200);
	assert.deepEqual(a.body, (await get(`${BASE}/api/rpc/daily?account=1&start_date=${D}&end_date=${D}`)).body);
	// Tables and views are only read; functions take POST too (the owner's
	// writes, which PostgREST refuses without the owner's token).
	assert.equal((await fetch(`${NGINX}/api/e2e_view`, { method: 'POST' })).status, 403);
	const w = await fetch(`${NGINX}/api/rpc/add_account`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ name: 'x', time_zone: 'UTC' }) });
	assert.equal(w.status, 401);
	assert.equal((await w.json()).code, '42501');
	const index = await fetch(`${NGINX}/`);
	assert.equal(index.status, 200);
	assert.equal(index.headers.get('referrer-policy'), 'no-referrer');
	assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
	// The page works under that Content-Security-Policy (a violation is a console error).
	const before = jsErrors.length;
	await open(`${NGINX}/#/day/${D}?account=1`);
	assert.equal(norm(await value('#day-figures [data-field="resting_hr"]')), norm((await daily(1, D, D))[0].resting_hr));
	assert.deepEqual(jsErrors.slice(before), []);
}, process.env.E2E_NGINX_URL ? null : 'nginx is not installed');

// ------------------------------------------------------------ errors and the empty database
await check('errors: PostgREST\'s code, message, details and hint are shown', async () => {
	await open(`${BASE}/#/overview?account=abc`);
	const err = await page.$eval('main .error[role="alert"]', (e) => ({ code: e.dataset.errorCode, status: e.dataset.status, text: e.textContent }));
	assert.equal(err.code, '22P02');
	assert.equal(err.status, '400');
	assert.match(err.text, /invalid input syntax for type integer: "abc"/);
	assert.match(err.text, /GET \/api\/rpc\/daily\?account=abc/);
	await shot('error.png');
	await open(`${BASE}/#/day/2026-13-45?account=1`);
	assert.match(await page.$eval('main .error', (e) => e.textContent), /22008|out of range/);
});

await check('phone-sized screen: every view fits without sideways scrolling', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	for (const v of ['overview?account=1', `day/${D}?account=1`, 'activities?account=1', 'pipeline?account=1',
		`listening?account=${LFM}`, `listening?account=${LB}&days=365`, `overview?account=${LFM}`,
		`sleep?account=${HEALTH}`, `vitals?account=${HEALTH}`, `body?account=${HEALTH}`]) {
		await open(`${BASE}/#/${v}`);
		const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert.ok(over <= 0, `${v} is ${over}px too wide`);
		if (v === 'overview?account=1') await shot('overview-phone.png');
	}
	await page.setViewportSize({ width: 1280, height: 800 });
});

await check('empty database: the page explains how to connect an account', async () => {
	await open(`${EMPTY}/#/overview`);
	const guide = await page.$eval('#connect-guide', (g) => g.textContent);
	assert.match(guide, /No account yet/);
	assert.match(guide, /tracker\.set_oauth_client\('google_health'/);
	assert.match(guide, new RegExp(`tracker\\.authorize_url\\(1, '${EMPTY.replace(/[.]/g, '\\.')}/'\\)`));
	await shot('empty.png');
	await open(`${EMPTY}/#/pipeline`);
	assert.equal(norm(await value('#flow [data-field="gold_days"]')), '0');
	assert.ok(await page.$('#connect-guide'));
});

await check('a running backfill shows its progress', async () => {
	const { job } = await one(`SELECT tracker.backfill(daterange(($1::date - 119), $1::date + 1), 1) AS job`, [latest]);
	await open(`${BASE}/#/pipeline`);
	await page.waitForFunction((id) => {
		const j = document.querySelector(`.job[data-job="${id}"]`);
		const p = j?.querySelector('progress');
		return j && j.dataset.state === 'running' && p.value > 0;
	}, String(job), { timeout: 30000, polling: 200 });
	// A bar some way along makes a better picture; not worth failing over.
	await page.waitForFunction((id) => {
		const p = document.querySelector(`.job[data-job="${id}"][data-state="running"] progress`);
		return p && p.value >= p.max / 4;
	}, String(job), { timeout: 20000, polling: 200 }).catch(() => {});
	await page.waitForTimeout(300);
	await shot('pipeline-running.png');
	// Enough seen: cancel it (the window being written finishes).
	await one('SELECT tracker.cancel($1)', [job]);
	assert.equal((await one("SELECT tracker.wait($1, '2 minutes') AS s", [job])).s, 'cancelled');
	// The page refreshes itself while the job runs, and shows how it ended.
	await page.waitForFunction((id) => document.querySelector(`.job[data-job="${id}"]`)?.dataset.state === 'cancelled', String(job), { timeout: 15000 });
});

// ------------------------------------------------------------ Download CSV
// Click a card's "Download CSV" link and read the file the browser saves.
async function download(selector) {
	const link = await page.$eval(selector, (a) => ({ href: a.href, name: a.getAttribute('download') }));
	const [file] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }), page.click(selector)]);
	assert.equal(file.suggestedFilename(), link.name);
	const params = Object.fromEntries(new URL(link.href).searchParams);
	return { name: link.name, params, rows: parseCsv(fs.readFileSync(await file.path(), 'utf8')) };
}

await check('download CSV: overview\'s resting heart rate and zone minutes equal the api functions in SQL', async () => {
	await open(`${BASE}/#/overview?account=1`);
	const links = await page.$$eval('main a.csv', (as) => as.map((a) => a.closest('.card').id));
	assert.deepEqual(links, ['rhr-card', 'zones-card', 'weekly-card', 'wear-card', 'calendar-card', 'recent-card']);
	for (const [card, fn, stem] of [['rhr-card', 'resting_hr_trend', 'resting-hr'], ['zones-card', 'zone_minutes', 'zone-minutes']]) {
		const got = await download(`#${card} a.csv`);
		const { account, start_date: from, end_date: to } = got.params;
		assert.equal(got.name, `${stem}-${from}-${to}.csv`);
		assert.equal(to, latest);
		assert.equal(from, await addDays(latest, -89));
		const want = await asText(`SELECT * FROM api.${fn}($1, $2, $3)`, [account, from, to]);
		assert.ok(want.rows.length > 30, `${fn}: ${want.rows.length} rows`);
		assert.deepEqual(got.rows, [want.header, ...want.rows], fn);
	}
});

await check('download CSV: listening\'s top artists (quotes, CJK, emoji, markup) and heat map equal the api functions in SQL', async () => {
	await open(`${BASE}/#/listening?account=${LFM}`);
	const artists = await download('#top-artists a.csv');
	assert.equal(artists.name, `top-artists-${lfmStart}-${lfm.latest}.csv`);
	const want = await asText('SELECT * FROM api.top_artists($1, $2, $3, $4)', [LFM, lfmStart, lfm.latest, 10]);
	assert.deepEqual(artists.rows, [want.header, ...want.rows]);
	assert.ok(artists.rows.some((r) => r.includes(INJECTED)), 'the artist with markup, quotes, CJK and emoji');
	const heat = await download('#heat-card a.csv');
	assert.equal(heat.name, `listening-heatmap-${lfmStart}-${lfm.latest}.csv`);
	const cells = await asText('SELECT * FROM api.listening_heatmap($1, $2, $3)', [LFM, lfmStart, lfm.latest]);
	assert.equal(cells.rows.length, 168);
	assert.deepEqual(heat.rows, [cells.header, ...cells.rows]);
	assert.equal(await page.$$eval('main .csv-error:not(:empty)', (e) => e.length), 0);
});

await check('download CSV: the Day view\'s samples equal tracker.heart_rate() in SQL', async () => {
	await open(`${BASE}/#/day/${D}?account=1`);
	assert.deepEqual(await page.$$eval('main a.csv', (as) => as.map((a) => a.dataset.csv)), ['heart_rate', 'exercises', 'sleep']);
	const got = await download('#hr-card a.csv');
	assert.equal(got.name, `heart-rate-${D}.csv`);
	const want = await asText('SELECT * FROM api.heart_rate($1, $2)', [1, D]);
	assert.equal(want.rows.length, (await one('SELECT count(*)::int AS n FROM tracker.heart_rate(1, $1)', [D])).n);
	assert.deepEqual(got.rows, [want.header, ...want.rows]);
	const ex = await download('#sessions-card a.csv[data-csv="exercises"]');
	assert.equal(ex.name, `exercises-${D}.csv`);
	const exWant = await asText('SELECT * FROM api.exercises($1, $2, $3)', [1, D, D]);
	assert.deepEqual(ex.rows, [exWant.header, ...exWant.rows]);
});

await check('download CSV: activities, and a failed download says why', async () => {
	await open(`${BASE}/#/activities?account=1`);
	const got = await download('#activities-card a.csv');
	const { start_date: from, end_date: to } = got.params;
	assert.equal(got.name, `activities-${from}-${to}.csv`);
	const want = await asText('SELECT * FROM api.exercises($1, $2, $3)', [1, from, to]);
	assert.ok(want.rows.length > 0);
	assert.deepEqual(got.rows, [want.header, ...want.rows]);
	// The call refused (a PostgREST whose schema cache lacks the function): the link says so.
	const exercisesCall = (url) => url.pathname.endsWith('/api/rpc/exercises');
	await page.route(exercisesCall, (route) => route.fulfill({ status: 404, contentType: 'application/json',
		body: JSON.stringify({ code: 'PGRST202', message: 'Could not find the function api.exercises', details: null, hint: null }) }));
	await page.click('#activities-card a.csv');
	await page.waitForFunction(() => document.querySelector('#activities-card .csv-error')?.textContent !== '');
	assert.match(await page.$eval('#activities-card .csv-error', (e) => e.textContent), /^Download failed: 404 Could not find the function/);
	await page.unroute(exercisesCall);
});

// ------------------------------------------------------------ the owner's sign-in and actions (owner.mjs)
await ownerTests({ check, page, open, shot, env });

await check('no JavaScript errors on any page', async () => {
	assert.deepEqual(jsErrors, []);
});

await check('database stopped: the page says so (503)', async () => {
	await db.end();
	execFileSync(env('E2E_STOP_DB'), { stdio: 'inherit' });
	await open(`${BASE}/#/overview?account=1`);
	const err = await page.$eval('main .error[role="alert"]', (e) => ({ status: e.dataset.status, code: e.dataset.errorCode, text: e.textContent }));
	assert.equal(err.status, '503');
	assert.match(err.code, /^PGRST00[01]$/);
	assert.match(err.text, /Is PostgreSQL running\?/);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
