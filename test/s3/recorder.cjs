'use strict';

// A small S3 front for Tracker's archive tests, listening on 127.0.0.1 in
// front of @20minutes/s3rver.
//
// - Lifecycle requests (?lifecycle=), which s3rver does not implement, are
//   answered here: the SigV4 signature, x-amz-content-sha256 and Content-MD5
//   are checked the way S3 checks them, the document is checked for shape,
//   kept per bucket, and every request is recorded for the test to inspect.
// - Everything else is passed to s3rver unchanged (s3rver checks the
//   signature against the same Host header), except where the test asked
//   for a fault: an error status, a truncated body, a delay, objects "in
//   Deep Archive" (GET answers 403 InvalidObjectState), or short listing
//   pages (the client's signature is checked here, then the listing is
//   signed again with max-keys added, so continuation tokens are used).
// - /_control/... (unsigned, JSON) sets faults and reads the record.

const crypto = require('crypto');
const http = require('http');

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// RFC 3986 encoding, as SigV4 canonical requests use it.
function rfc3986(s) {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function splitUrl(url) {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

function decode(s) {
  return decodeURIComponent(s.replace(/\+/g, '%20'));
}

// Query parameters as S3 canonicalizes them: encoded, sorted, "k=" for bare keys.
function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [rfc3986(decode(k)), rfc3986(decode(v))];
    })
    .sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0,
    )
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalUri(rawPath) {
  return rawPath
    .split('/')
    .map((seg) => rfc3986(decode(seg)))
    .join('/');
}

function signingKey(secret, date, region, service) {
  return hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
}

function stringToSign(method, rawPath, rawQuery, headers, signed, payloadHash, amzDate, scope) {
  const canonicalHeaders = signed
    .map((h) => `${h}:${String(headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const creq = [
    method,
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    signed.join(';'),
    payloadHash,
  ].join('\n');
  return ['AWS4-HMAC-SHA256', amzDate, scope, sha256(creq)].join('\n');
}

// Check a request's SigV4 signature as S3 does.
function verify(req, rawPath, rawQuery, body, secrets) {
  const fail = (status, code, message) => ({ ok: false, status, code, message });
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization || '',
  );
  if (!m) return fail(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  const [, accessKey, date, region, service, signedList, signature] = m;
  const secret = secrets.get(accessKey);
  if (secret === undefined)
    return fail(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  const amzDate = req.headers['x-amz-date'] || '';
  if (amzDate.slice(0, 8) !== date)
    return fail(403, 'SignatureDoesNotMatch', 'X-Amz-Date does not match the credential scope.');
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (!payloadHash)
    return fail(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body))
    return fail(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  const signed = signedList.split(';');
  for (const h of ['host', 'x-amz-date', 'x-amz-content-sha256'])
    if (!signed.includes(h))
      return fail(403, 'SignatureDoesNotMatch', `Header ${h} is not signed.`);
  const sts = stringToSign(req.method, rawPath, rawQuery, req.headers, signed, payloadHash,
    amzDate, `${date}/${region}/${service}/aws4_request`);
  const expected = crypto
    .createHmac('sha256', signingKey(secret, date, region, service))
    .update(sts)
    .digest('hex');
  if (expected !== signature)
    return fail(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  return { ok: true, accessKey, secret, region, service, signed };
}

// Sign a request to s3rver (for re-signed listings).
function sign(method, rawPath, rawQuery, headers, body, accessKey, secret, region) {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = now.slice(0, 8);
  const out = { ...headers, 'x-amz-date': now, 'x-amz-content-sha256': sha256(body) };
  delete out.authorization;
  const signed = ['host', 'x-amz-content-sha256', 'x-amz-date'];
  const scope = `${date}/${region}/s3/aws4_request`;
  const sts = stringToSign(method, rawPath, rawQuery, out, signed, out['x-amz-content-sha256'], now, scope);
  const sig = crypto.createHmac('sha256', signingKey(secret, date, region, 's3')).update(sts).digest('hex');
  out.authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${sig}`;
  return out;
}

function xmlEscape(s) {
  return String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

function sendError(res, status, code, message, extra = '') {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${extra}</Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res, value) {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'expect', 'transfer-encoding', 'upgrade', 'proxy-connection'];

function createRecorder({ upstream, secrets }) {
  const state = {
    faults: [],
    frozen: new Map(), // "bucket/key" -> storage class
    lifecycle: new Map(), // bucket -> xml
    requests: [],
    pageSize: 0,
  };

  function takeFault(method, rawPath, rawQuery) {
    for (const f of state.faults) {
      if (f.times === 0) continue;
      if (f.method && f.method !== method) continue;
      if (f.path && !new RegExp(f.path).test(decode(rawPath))) continue;
      if (f.query && !new RegExp(f.query).test(rawQuery)) continue;
      if (f.times > 0) f.times--;
      f.hits = (f.hits || 0) + 1;
      return f;
    }
    return null;
  }

  function forward(req, res, body, { path, headers, truncate, rewrite }) {
    const h = { ...(headers || req.headers) };
    for (const k of HOP_BY_HOP) delete h[k];
    h['content-length'] = String(body.length);
    const up = http.request(
      { host: upstream.host, port: upstream.port, method: req.method, path: path || req.url, headers: h },
      (ur) => {
        const chunks = [];
        ur.on('data', (c) => chunks.push(c));
        ur.on('end', () => {
          let data = Buffer.concat(chunks);
          const out = { ...ur.headers };
          for (const k of HOP_BY_HOP) delete out[k];
          if (rewrite) data = Buffer.from(rewrite(data.toString()));
          if (req.method !== 'HEAD') out['content-length'] = String(data.length);
          if (truncate && req.method === 'GET') {
            res.writeHead(ur.statusCode, out);
            res.write(data.subarray(0, Math.floor(data.length / 2)));
            res.socket.destroy();
            return;
          }
          res.writeHead(ur.statusCode, out);
          res.end(req.method === 'HEAD' ? undefined : data);
        });
      },
    );
    up.on('error', (e) => sendError(res, 502, 'BadGateway', e.message));
    up.end(body);
  }

  // Listings say which objects are "in Deep Archive".
  function markFrozen(bucket) {
    return (xml) =>
      xml.replace(/<Contents>([\s\S]*?)<\/Contents>/g, (whole, inner) => {
        const key = /<Key>([\s\S]*?)<\/Key>/.exec(inner);
        const cls = key && state.frozen.get(`${bucket}/${key[1]}`);
        return cls ? whole.replace(/<StorageClass>[^<]*<\/StorageClass>/, `<StorageClass>${cls}</StorageClass>`) : whole;
      });
  }

  function lifecycle(req, res, body, rawPath, rawQuery, entry) {
    const v = verify(req, rawPath, rawQuery, body, secrets);
    entry.signature_ok = v.ok;
    entry.signed_headers = v.signed || null;
    if (!v.ok) return sendError(res, v.status, v.code, v.message);
    if (rawQuery !== 'lifecycle=')
      return sendError(res, 400, 'InvalidRequest', `expected the canonical query "lifecycle=", got "${rawQuery}"`);
    const bucket = decode(rawPath.slice(1));
    if (!bucket || bucket.includes('/'))
      return sendError(res, 400, 'InvalidRequest', 'lifecycle requests name a bucket, not an object');
    if (req.method === 'GET') {
      const xml = state.lifecycle.get(bucket);
      if (xml === undefined)
        return sendError(res, 404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist',
          `<BucketName>${xmlEscape(bucket)}</BucketName>`);
      res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
      return res.end(xml);
    }
    if (req.method === 'PUT') {
      const md5 = req.headers['content-md5'];
      entry.content_md5 = md5 || null;
      if (!md5) return sendError(res, 400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
      entry.md5_ok = md5 === crypto.createHash('md5').update(body).digest('base64');
      if (!entry.md5_ok) return sendError(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      const xml = body.toString();
      entry.body = xml;
      const rules = xml.match(/<Rule>[\s\S]*?<\/Rule>/g) || [];
      const shapeOk =
        /<LifecycleConfiguration[\s>][\s\S]*<\/LifecycleConfiguration>\s*$/.test(xml) &&
        rules.length > 0 &&
        rules.every((r) => /<ID>[^<]+<\/ID>/.test(r) && /<Status>(Enabled|Disabled)<\/Status>/.test(r) && /<Filter>[\s\S]*<\/Filter>/.test(r));
      entry.shape_ok = shapeOk;
      if (!shapeOk) return sendError(res, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
      state.lifecycle.set(bucket, xml);
      res.writeHead(200, { 'Content-Length': 0 });
      return res.end();
    }
    if (req.method === 'DELETE') {
      state.lifecycle.delete(bucket);
      res.writeHead(204);
      return res.end();
    }
    return sendError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  async function control(req, res, body, rawPath, rawQuery) {
    const what = rawPath.slice('/_control/'.length);
    const json = () => (body.length ? JSON.parse(body.toString()) : null);
    if (what === 'requests') {
      const list = state.requests;
      if (new URLSearchParams(rawQuery).get('clear')) state.requests = [];
      return sendJson(res, list);
    }
    if (what === 'faults') {
      if (req.method === 'DELETE') state.faults = [];
      else if (req.method === 'POST') state.faults.push(...json());
      return sendJson(res, state.faults);
    }
    if (what === 'frozen') {
      if (req.method === 'DELETE') state.frozen.clear();
      else if (req.method === 'POST') {
        const { bucket, keys, storage_class: cls } = json();
        for (const k of keys) state.frozen.set(`${bucket}/${k}`, cls || 'DEEP_ARCHIVE');
      }
      return sendJson(res, [...state.frozen.keys()]);
    }
    if (what === 'page_size') {
      state.pageSize = json().size || 0;
      return sendJson(res, { size: state.pageSize });
    }
    if (what.startsWith('lifecycle/')) {
      const bucket = decode(what.slice('lifecycle/'.length));
      if (req.method === 'PUT') state.lifecycle.set(bucket, body.toString());
      else if (req.method === 'DELETE') state.lifecycle.delete(bucket);
      const xml = state.lifecycle.get(bucket);
      res.writeHead(xml === undefined ? 404 : 200, { 'Content-Type': 'application/xml' });
      return res.end(xml || '');
    }
    return sendError(res, 404, 'NoSuchControl', what);
  }

  return http.createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const [rawPath, rawQuery] = splitUrl(req.url);
      if (rawPath.startsWith('/_control/')) return await control(req, res, body, rawPath, rawQuery);

      const params = new URLSearchParams(rawQuery);
      const entry = { method: req.method, path: decode(rawPath), query: rawQuery, at: new Date().toISOString() };
      const v = verify(req, rawPath, rawQuery, body, secrets);
      entry.signature_ok = v.ok;
      state.requests.push(entry);

      const fault = takeFault(req.method, rawPath, rawQuery);
      entry.fault = fault ? fault.status || (fault.truncate ? 'truncate' : 'delay') : null;
      if (fault && fault.delay_ms) await new Promise((r) => setTimeout(r, fault.delay_ms));
      if (fault && fault.status)
        return sendError(res, fault.status, fault.code || 'InternalError', fault.message || 'We encountered an internal error. Please try again.');

      if (params.has('lifecycle')) return lifecycle(req, res, body, rawPath, rawQuery, entry);

      const parts = decode(rawPath).slice(1).split('/');
      const bucket = parts[0];
      const key = parts.slice(1).join('/');
      if (req.method === 'GET' && key && state.frozen.has(`${bucket}/${key}`))
        return sendError(res, 403, 'InvalidObjectState', "The operation is not valid for the object's storage class",
          `<StorageClass>${state.frozen.get(`${bucket}/${key}`)}</StorageClass>`);

      const rewrite = state.frozen.size > 0 && params.get('list-type') === '2' ? markFrozen(bucket) : null;
      if (req.method === 'GET' && params.get('list-type') === '2' && state.pageSize > 0) {
        if (!v.ok) return sendError(res, v.status, v.code, v.message);
        const query = `${rawQuery}&max-keys=${state.pageSize}`;
        const headers = sign('GET', rawPath, query, { host: req.headers.host }, body, v.accessKey, v.secret, v.region);
        return forward(req, res, body, { path: `${rawPath}?${canonicalQuery(query)}`, headers, rewrite });
      }
      return forward(req, res, body, { truncate: fault && fault.truncate, rewrite });
    } catch (err) {
      sendError(res, 500, 'InternalError', String(err && err.stack ? err.stack : err));
    }
  });
}

module.exports = { createRecorder, verify, canonicalQuery };
