#!/usr/bin/env node
/*
 * postgrest_standin.mjs: a TEST FIXTURE that stands in for PostgREST.
 *
 * It is not a part of Tracker and not a server to deploy: PostgREST has no
 * Debian or npm package, so the browser tests and the demo need something
 * that answers the one kind of request the dashboard makes, the way
 * PostgREST answers it.  Real deployments run postgrest/postgrest (see
 * docker-compose.yml).
 *
 * What it does:
 *   - serves the dashboard's static files (default: ../../dashboard);
 *   - answers GET <prefix>/rpc/<fn>?arg=value like PostgREST: the function is
 *     looked up in the exposed schema by name and argument NAMES (functions
 *     with an unnamed argument are invisible, as in PostgREST's schema cache),
 *     called with named arguments cast to their declared types, in a READ
 *     ONLY transaction after SET LOCAL ROLE <anon role>; set-returning
 *     functions give a JSON array of objects, a single composite gives an
 *     object, anything else its JSON value;
 *   - answers GET <prefix>/<table or view> with all its rows, the same way;
 *   - Accept: text/csv (content negotiation by q-value; none given, or
 *     a wildcard, is JSON) gives the rows of a table, a view or a set-returning
 *     function as PostgREST writes CSV (its asCsvF): the column names of the
 *     first row joined by commas (an empty line when there are no rows),
 *     then a line per row in PostgreSQL's text form of a row without its
 *     parentheses -- NULL an empty field, booleans t/f, arrays, json and
 *     ranges in their text form, a value with a comma, quote, backslash,
 *     parenthesis or white space in double quotes with quotes and
 *     backslashes doubled -- lines joined by "\n" with none at the end,
 *     as Content-Type text/csv; charset=utf-8.  A media type it cannot give
 *     is 406 PGRST107;
 *   - errors come back as PostgREST's {code, message, details, hint} with its
 *     status mapping (42501 -> 401, P0001 -> 400, 25006 -> 405, 42883 -> 404,
 *     08* -> 503, ...; src/library/PostgREST/Error.hs), PGRST202 when no
 *     function matches, PGRST000 when the database cannot be reached.
 *   - with --upstream URL it answers nothing itself and forwards <prefix>/ to
 *     a real PostgREST (how the demo serves files beside one);
 *   - POST <prefix>/rpc/<fn> with a JSON object of named arguments, in a
 *     READ WRITE transaction for a VOLATILE function (READ ONLY otherwise),
 *     as PostgREST calls functions on POST;
 *   - JWTs as PostgREST checks them (--jwt-secret, HS256): "Authorization:
 *     Bearer <token>"; a token that is not three base64url parts, is not
 *     HS256 or whose signature does not verify is 401 PGRST301, one past
 *     its exp (or before its nbf, or issued in the future, 30 s of skew
 *     allowed) 401 PGRST303, both with WWW-Authenticate: Bearer
 *     error="invalid_token"; a token when no secret is set is 500
 *     PGRST300.  The role claim is SET LOCAL ROLE (a role that does not
 *     exist is 401, one the login role may not become 403, as PostgreSQL
 *     answers PostgREST), the claims go to request.jwt.claims; no token is
 *     the anonymous role.  42501 is 401 for anonymous requests, 403 for
 *     requests with a token.
 *
 * Not covered: POST to tables, filters, select/order/limit, OpenAPI, CSV of
 * a function that returns one row or one value (406 here).
 *
 * Usage:
 *   node test/e2e/postgrest_standin.mjs [--port 0] [--port-file F] [--dashboard DIR]
 *        [--prefix /api] [--schema api] [--anon-role tracker_web] [--upstream URL]
 *        [--jwt-secret S] (or PGRST_JWT_SECRET in the environment)
 * The database comes from the libpq environment (PGHOST, PGPORT, PGUSER,
 * PGDATABASE).  The login role must be able to SET ROLE to the anonymous
 * role (a member of it, like PostgREST's "authenticator", or a superuser).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = {
	port: 0, host: '127.0.0.1', 'port-file': null, dashboard: path.join(here, '../../dashboard'),
	prefix: '/api', schema: 'api', 'anon-role': 'tracker_web', upstream: null,
	'jwt-secret': process.env.PGRST_JWT_SECRET || null,
};
for (let i = 2; i < process.argv.length; i += 2) {
	const key = process.argv[i].replace(/^--/, '');
	if (!(key in opt) || process.argv[i + 1] === undefined) {
		console.error(`usage: postgrest_standin.mjs [--${Object.keys(opt).join(' V] [--')} V]`);
		process.exit(2);
	}
	opt[key] = process.argv[i + 1];
}
const dashboardDir = path.resolve(opt.dashboard);

// Query keys PostgREST reserves for itself; the stand-in supports none.
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'and', 'or', 'not', 'on_conflict']);

const pool = new pg.Pool({ max: 4, connectionTimeoutMillis: 5000, application_name: 'postgrest_standin' });
pool.on('error', () => {});	// an idle connection died (server stopped): the next request reports it

function send(res, status, body, headers = {}) {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
	res.end(res.req.method === 'HEAD' ? undefined : text);
}

function pgrstError(code, message, details = null, hint = null) {
	return { code, details, hint, message };
}

// PostgREST's mapSQLtoHTTP: 42501 is 401 for anonymous requests, 403 with a token.
function statusFor(code, message, authenticated = false) {
	if (code === '42501') return authenticated ? 403 : 401;
	const exact = { '23503': 409, '23505': 409, '25006': 405, '21000': 500, '53400': 500, '57P01': 503,
		'P0001': 400, '42883': 404, '42P01': 404, '42P17': 500, '42501': 401 };
	if (code === '22023') return /^role .* does not exist$/.test(message) ? 401 : 400;
	if (code in exact) return exact[code];
	if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
	const prefix = { '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500,
		'39': 500, '3B': 500, '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500, 'F0': 500,
		'HV': 500, 'P0': 500, 'XX': 500 };
	return prefix[code.slice(0, 2)] ?? 400;
}

// The answer's media type from the Accept header, as PostgREST negotiates
// it: the most preferred (highest q, then first) of those it can give;
// none given is JSON.  Returns 'json', 'csv', or null (406).
function negotiate(accept) {
	if (!accept || !accept.trim()) return 'json';
	const ranges = accept.split(',').map((part, i) => {
		const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
		const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)).find(Boolean);
		return { type, q: q ? Number(q[1]) : 1, i };
	}).filter((r) => r.type && r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
	for (const { type } of ranges) {
		if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
		if (type === 'text/csv') return 'csv';
	}
	return null;
}

// The body of an answer over the rows of a query (the source), in SQL, as
// PostgREST builds it: a JSON array, or CSV (its asCsvF).
function bodySql(source, format) {
	const from = `WITH _src AS MATERIALIZED (${source}) SELECT %s AS body, count(*) AS n FROM _src _t`;
	if (format === 'json') return from.replace('%s', "coalesce(json_agg(_t), '[]')::text");
	return from.replace('%s', `(SELECT coalesce(string_agg(a.k, ','), '') FROM (SELECT json_object_keys(r)::text AS k
		FROM (SELECT row_to_json(hh) AS r FROM _src hh LIMIT 1) s) a)
		|| E'\\n' || coalesce(string_agg(substring(_t::text, 2, length(_t::text) - 2), E'\\n'), '')`);
}

const CONTENT_TYPE = { json: 'application/json; charset=utf-8', csv: 'text/csv; charset=utf-8' };

function notAcceptable(res, accept) {
	return send(res, 406, pgrstError('PGRST107', `None of these media types are available: ${accept}`));
}

// Functions of the exposed schema, as PostgREST's schema cache sees them.
const CATALOG = `
SELECT p.proname AS name, p.proretset AS retset, p.pronargs AS nargs, p.pronargdefaults AS ndefaults,
       coalesce(p.proargnames, '{}') AS argnames, coalesce(p.proargmodes::text[], '{}') AS argmodes,
       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, n) ORDER BY n) AS argtypes,
       (rt.typtype = 'c' OR p.prorettype = 'record'::regtype) AS composite, p.provolatile AS volatility
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_type rt ON rt.oid = p.prorettype
WHERE n.nspname = $1 AND p.prokind = 'f'`;

function routines(rows) {
	const out = [];
	for (const r of rows) {
		// proargnames covers every argument when proargmodes is set, only the inputs otherwise.
		const names = r.argmodes.length ? r.argnames.filter((_, i) => 'ibv'.includes(r.argmodes[i])) : r.argnames.slice(0, r.nargs);
		if (names.length < r.nargs || names.some((n) => !n)) continue;	// unnamed: not in the schema cache
		const params = names.map((n, i) => ({ name: n, type: r.argtypes[i], required: i < r.nargs - r.ndefaults }));
		out.push({ ...r, params });
	}
	return out;
}

// PostgREST's findProc: the required parameters must all be given, and nothing else but the optional ones.
function findRoutine(all, fn, keys) {
	const byName = all.filter((r) => r.name === fn);
	const matches = byName.filter((r) => r.params.filter((p) => p.required).every((p) => keys.has(p.name))
		&& [...keys].every((k) => r.params.some((p) => p.name === k)));
	if (matches.length === 1) return matches[0];
	if (matches.length > 1) {
		const list = matches.map((r) => `${opt.schema}.${fn}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`);
		throw { status: 300, body: pgrstError('PGRST203', `Could not choose the best candidate function between: ${list.join(', ')}`,
			null, 'Try renaming the parameters or the function itself in the database so function overloading can be resolved') };
	}
	const sorted = [...keys].sort();
	const func = `${opt.schema}.${fn}`;
	const prms = sorted.length ? `(${sorted.join(', ')})` : ' without parameters';
	const det = sorted.length ? ` with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}` : ' without parameters';
	// PostgREST suggests a near name, or the parameters of the function with that name.
	let hint = null;
	if (byName.length) hint = `Perhaps you meant to call the function ${func}(${byName[0].params.map((p) => p.name).sort().join(', ')})`;
	else {
		const near = all.map((r) => r.name).find((n) => similar(n, fn) >= 0.75);
		if (near) hint = `Perhaps you meant to call the function ${opt.schema}.${near}`;
	}
	throw { status: 404, body: pgrstError('PGRST202', `Could not find the function ${func}${prms} in the schema cache`,
		`Searched for the function ${func}${det}, but no matches were found in the schema cache.`, hint) };
}

// Bigram similarity, close enough to PostgREST's fuzzy set for a hint.
function similar(a, b) {
	const grams = (s) => { const g = []; for (let i = 0; i < s.length - 1; i++) g.push(s.slice(i, i + 2)); return g; };
	const ga = grams(a), gb = grams(b);
	const common = ga.filter((g) => { const i = gb.indexOf(g); if (i < 0) return false; gb.splice(i, 1); return true; });
	return (2 * common.length) / (ga.length + grams(b).length || 1);
}

// The arguments of a call: the query string of a GET, the JSON object of a POST.
function callArgs(query, body) {
	const values = new Map();
	for (const [k, v] of query) {
		if (RESERVED.has(k)) {
			throw { status: 400, body: pgrstError('PGRST100', `"${k}" is not supported by the PostgREST stand-in`, null,
				'The stand-in answers plain named-argument calls only.') };
		}
		if (body === undefined) values.set(k, v);
	}
	if (body !== undefined) {
		let doc;
		try {
			doc = body.trim() === '' ? {} : JSON.parse(body);
		} catch {
			doc = null;
		}
		if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
			throw { status: 400, body: pgrstError('PGRST102', 'Empty or invalid json') };
		}
		for (const [k, v] of Object.entries(doc)) {
			values.set(k, v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
		}
	}
	return values;
}

async function callRpc(req, res, fn, query, body, auth) {
	const format = negotiate(req.headers.accept);
	if (!format) return notAcceptable(res, req.headers.accept);
	let values;
	try {
		values = callArgs(query, body);
	} catch (e) {
		return send(res, e.status, e.body);
	}
	const keys = new Set(values.keys());
	return inTransaction(res, auth, async (client, begin) => {
		const routine = findRoutine(routines((await client.query(CATALOG, [opt.schema])).rows), fn, keys);
		if (format === 'csv' && !routine.retset) throw { status: 406, body: pgrstError('PGRST107', `None of these media types are available: ${req.headers.accept}`) };
		// GET always reads only; POST writes when the function is VOLATILE.
		await begin(req.method !== 'POST' || routine.volatility !== 'v');
		await client.query(`SELECT set_config('search_path', $1, true), set_config('request.method', $2, true),
			set_config('request.path', $3, true)`, [client.escapeIdentifier(opt.schema), req.method, req.url.split('?')[0]]);
		const given = routine.params.filter((p) => keys.has(p.name));
		const args = given.map((p, i) => `${client.escapeIdentifier(p.name)} => $${i + 1}::${p.type}`).join(', ');
		const call = `${client.escapeIdentifier(opt.schema)}.${client.escapeIdentifier(fn)}(${args})`;
		const sql = routine.retset && format === 'csv' ? bodySql(`SELECT * FROM ${call}`, 'csv')
			: routine.retset
			? `SELECT coalesce(json_agg(_t), '[]')::text AS body, count(*) AS n FROM ${call} _t`
			: routine.composite
				? `SELECT row_to_json(_t)::text AS body FROM ${call} _t`
				: `SELECT to_json(${call})::text AS body`;
		const { rows } = await client.query({ text: sql, values: given.map((p) => values.get(p.name)) });
		await client.query('COMMIT');
		const headers = routine.retset ? { 'Content-Range': rows[0].n > 0 ? `0-${rows[0].n - 1}/*` : '*/*' } : {};
		return send(res, 200, rows[0]?.body ?? 'null', { ...headers, 'Content-Type': CONTENT_TYPE[format] });
	});
}

// The JWT of a request, checked as PostgREST checks an HS256 token:
// {role, claims} (the anonymous role without a token), or a thrown answer.
function authenticate(req) {
	const header = req.headers.authorization;
	if (!header) return { role: opt['anon-role'], claims: null };
	const invalid = (code, message, status = 401) => ({ status, body: pgrstError(code, message),
		headers: status === 401 ? { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message}"` } : {} });
	const m = /^Bearer\s+(\S*)\s*$/i.exec(header);
	if (!m) throw invalid('PGRST301', 'Expected 3 parts in JWT; got 1');
	if (!opt['jwt-secret']) throw invalid('PGRST300', 'Server lacks JWT secret', 500);
	const parts = m[1].split('.');
	if (parts.length !== 3) throw invalid('PGRST301', `Expected 3 parts in JWT; got ${parts.length}`);
	const b64 = /^[A-Za-z0-9_-]*$/;
	let head, claims;
	try {
		if (!parts.every((x) => b64.test(x))) throw new Error('not base64url');
		head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
		claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
	} catch {
		throw invalid('PGRST301', 'JWT cryptographic operation failed');
	}
	if (!head || head.alg !== 'HS256') throw invalid('PGRST301', 'Wrong or unsupported encoding algorithm');
	const want = crypto.createHmac('sha256', opt['jwt-secret']).update(`${parts[0]}.${parts[1]}`).digest();
	const got = Buffer.from(parts[2], 'base64url');
	if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) throw invalid('PGRST301', 'JWT cryptographic operation failed');
	if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw invalid('PGRST303', 'Parsing claims failed');
	const now = Math.floor(Date.now() / 1000), skew = 30;
	if ('exp' in claims && (typeof claims.exp !== 'number' || now - skew >= claims.exp)) {
		throw invalid('PGRST303', typeof claims.exp !== 'number' ? 'The JWT \'exp\' claim must be a number' : 'JWT expired');
	}
	if ('nbf' in claims && (typeof claims.nbf !== 'number' || now + skew < claims.nbf)) throw invalid('PGRST303', 'JWT not yet valid');
	if ('iat' in claims && (typeof claims.iat !== 'number' || now + skew < claims.iat)) throw invalid('PGRST303', 'JWT issued at future');
	const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : opt['anon-role'];
	return { role, claims };
}

// Run work(client, begin) on a pooled connection, as PostgREST runs a
// request: work calls begin(readOnly) once it knows what it calls, which
// opens the transaction, switches to the request's role and sets its
// claims.  An error is answered as PostgREST answers it.
async function inTransaction(res, auth, work) {
	let client;
	try {
		client = await pool.connect();
	} catch (e) {
		return send(res, 503, pgrstError('PGRST000', 'Database connection error.', String(e.message || e)));
	}
	let broken = false;
	const begin = async (readOnly) => {
		await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED ${readOnly ? 'READ ONLY' : 'READ WRITE'}`);
		await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(auth.role)}`);
		await client.query("SELECT set_config('request.jwt.claims', $1, true)", [JSON.stringify(auth.claims ?? {})]);
	};
	try {
		return await work(client, begin);
	} catch (e) {
		broken = await sendError(client, res, e, Boolean(auth.claims));
	} finally {
		client.release(broken);
	}
}

// An error inside a request's transaction, answered as PostgREST does;
// whether the connection is broken.
async function sendError(client, res, e, authenticated) {
	let broken = false;
	if (e.status) {
		await client.query('ROLLBACK').catch(() => { broken = true; });
		send(res, e.status, e.body);
		return broken;
	}
	if (!e.code || !/^[0-9A-Z]{5}$/.test(e.code)) {	// no SQLSTATE: the connection itself failed
		send(res, 503, pgrstError('PGRST001', 'Database client error. Retrying the connection.', String(e.message)));
		return true;
	}
	await client.query('ROLLBACK').catch(() => { broken = true; });
	const status = statusFor(e.code, e.message, authenticated);
	send(res, status, pgrstError(e.code, e.message, e.detail ?? null, e.hint ?? null),
		status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
	return broken;
}

// GET <prefix>/<name>: every row of a table or view of the exposed schema.
async function readRelation(req, res, name, query, auth) {
	const format = negotiate(req.headers.accept);
	if (!format) return notAcceptable(res, req.headers.accept);
	if ([...query.keys()].length) {
		return send(res, 400, pgrstError('PGRST100', 'Filters and other query parameters are not supported by the PostgREST stand-in',
			null, 'The stand-in answers plain reads of a whole table or view only.'));
	}
	return inTransaction(res, auth, async (client, begin) => {
		await begin(true);
		const { rows: found } = await client.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'v', 'm', 'f', 'p')`, [opt.schema, name]);
		if (!found.length) {
			throw { status: 404, body: pgrstError('PGRST205', `Could not find the table '${opt.schema}.${name}' in the schema cache`) };
		}
		const rel = `${client.escapeIdentifier(opt.schema)}.${client.escapeIdentifier(name)}`;
		const { rows } = await client.query(bodySql(`SELECT * FROM ${rel}`, format));
		await client.query('COMMIT');
		return send(res, 200, rows[0].body, { 'Content-Range': rows[0].n > 0 ? `0-${rows[0].n - 1}/*` : '*/*',
			'Content-Type': CONTENT_TYPE[format] });
	});
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png',
	'.svg': 'image/svg+xml', '.json': 'application/json', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8' };

function serveFile(req, res, urlPath) {
	let rel;
	try {
		rel = decodeURIComponent(urlPath);
	} catch {
		rel = '\0';
	}
	if (rel.endsWith('/')) rel += 'index.html';
	const file = path.join(dashboardDir, path.normalize(rel));
	if (rel.includes('\0') || !file.startsWith(dashboardDir + path.sep)) return notFound(res);
	fs.stat(file, (err, st) => {
		if (err || !st.isFile()) return notFound(res);
		res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'text/plain; charset=utf-8',
			'Content-Length': st.size, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
		if (req.method === 'HEAD') return res.end();
		fs.createReadStream(file).pipe(res);
	});
}

function notFound(res) {
	res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
	res.end('not found\n');
}

function proxy(req, res, rest) {
	const up = new URL(rest, opt.upstream.replace(/\/?$/, '/'));
	const fwd = http.request(up, { method: req.method, headers: { ...req.headers, host: up.host } }, (r) => {
		res.writeHead(r.statusCode, r.headers);
		r.pipe(res);
	});
	fwd.on('error', (e) => send(res, 502, pgrstError('PGRST000', 'Could not reach PostgREST.', String(e.message))));
	req.pipe(fwd);
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://localhost');
	const prefix = opt.prefix.replace(/\/$/, '');
	if (url.pathname === prefix || url.pathname.startsWith(prefix + '/')) {
		const rest = url.pathname.slice(prefix.length + 1);
		if (opt.upstream) return proxy(req, res, rest + url.search);
		const m = /^rpc\/([^/]+)$/.exec(rest);
		if (req.method !== 'GET' && req.method !== 'HEAD' && !(req.method === 'POST' && m)) {
			return send(res, 405, pgrstError('PGRST117', `Unsupported HTTP method: ${req.method}`, null,
				'The PostgREST stand-in answers GET, and POST to functions, only.'));
		}
		const internal = (e) => {
			if (!res.headersSent) send(res, 500, pgrstError('PGRSTX00', String(e.message || e)));
		};
		let auth;
		try {
			auth = authenticate(req);
		} catch (e) {
			return send(res, e.status, e.body, e.headers);
		}
		if (m && req.method === 'POST') {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => callRpc(req, res, decodeURIComponent(m[1]), url.searchParams,
				Buffer.concat(chunks).toString('utf8'), auth).catch(internal));
			return;
		}
		if (m) return callRpc(req, res, decodeURIComponent(m[1]), url.searchParams, undefined, auth).catch(internal);
		const t = /^([^/]+)$/.exec(rest);
		if (t) return readRelation(req, res, decodeURIComponent(t[1]), url.searchParams, auth).catch(internal);
		return send(res, 404, pgrstError('PGRST125', 'Invalid path specified in request URL'));
	}
	if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
	serveFile(req, res, url.pathname);
});

server.listen(Number(opt.port), opt.host, () => {
	const { port } = server.address();
	if (opt['port-file']) {
		fs.writeFileSync(opt['port-file'] + '.tmp', `${port}\n`);
		fs.renameSync(opt['port-file'] + '.tmp', opt['port-file']);
	}
	console.log(`postgrest stand-in (test fixture) on http://${opt.host}:${port}/ serving ${dashboardDir}` +
		(opt.upstream ? `, ${opt.prefix}/ -> ${opt.upstream}` : `, ${opt.prefix}/rpc/* from schema ${opt.schema}`));
});

for (const sig of ['SIGTERM', 'SIGINT']) {
	process.on(sig, () => {
		server.close();
		server.closeAllConnections?.();
		pool.end().finally(() => process.exit(0));
	});
}
