'use strict';

// Start the S3 servers of Tracker's archive tests on 127.0.0.1, on ports the
// system picks, and write them to a file:
//
//   node --openssl-legacy-provider start.cjs --dir DIR --port-file FILE \
//        [--bucket NAME]... [--key ACCESS:SECRET]...
//
// - @20minutes/s3rver, which checks SigV4 signatures (the legacy OpenSSL
//   provider is needed for its continuation tokens), keeps its objects
//   under DIR; the buckets are created at start.  Its own key pair
//   S3RVER:S3RVER works, and so does every --key given.
// - The recorder (recorder.cjs) in front of it answers lifecycle requests
//   and injects faults; see that file.
//
// The port file holds {"s3": PORT, "front": PORT, "pid": PID}.  SIGTERM
// stops both servers.

const fs = require('fs');
const path = require('path');

// s3rver lists a bucket by walking its directories in the order readdir
// gives, and skips keys up to the continuation point by comparing keys: a
// listing in pages then loses keys whenever that order is not S3's (UTF-8
// binary order of the keys), as with "heart-rate/..." and
// "heart-rate-variability/...".  Walk each directory in key order instead
// (a directory's name counts with its "/"); this must be in place before
// s3rver's store takes its copy of walk().
const s3rverUtils = require('@20minutes/s3rver/lib/utils');
s3rverUtils.walk = function* walk(dir, recurseFilter) {
  const entries = fs.readdirSync(dir, { withFileTypes: true })
    .map((e) => ({ name: e.name, dir: e.isDirectory(), sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  for (const e of entries) {
    const filePath = path.posix.join(dir, e.name);
    if (!e.dir) yield filePath;
    else if (!recurseFilter || recurseFilter(filePath)) yield* walk(filePath, recurseFilter);
  }
};

const S3rver = require('@20minutes/s3rver');
const AWSAccount = require('@20minutes/s3rver/lib/models/account');
const { createRecorder } = require('./recorder.cjs');

function parseArgs(argv) {
  const opts = { buckets: [], keys: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--dir') opts.dir = value;
    else if (arg === '--port-file') opts.portFile = value;
    else if (arg === '--bucket') opts.buckets.push(value);
    else if (arg === '--key') {
      const colon = value.indexOf(':');
      if (colon <= 0) throw new Error('--key wants ACCESS:SECRET');
      opts.keys.push([value.slice(0, colon), value.slice(colon + 1)]);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!opts.dir || !opts.portFile) throw new Error('--dir and --port-file are required');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const secrets = new Map([['S3RVER', 'S3RVER']]);
  for (const [accessKey, secret] of opts.keys) {
    AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKey, secret);
    secrets.set(accessKey, secret);
  }

  const s3 = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: opts.dir,
    silent: false,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  const address = await s3.run();

  const front = createRecorder({ upstream: { host: '127.0.0.1', port: address.port }, secrets });
  await new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', resolve);
  });

  const tmp = `${opts.portFile}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ s3: address.port, front: front.address().port, pid: process.pid }));
  fs.renameSync(tmp, opts.portFile);

  const stop = () => {
    front.close();
    s3.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
