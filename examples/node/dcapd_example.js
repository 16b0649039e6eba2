#!/usr/bin/env node
// Calls dcapd from Node.js with nothing but the proto file (@grpc/grpc-js, @grpc/proto-loader).
// Checks a quote against the sample collateral at a fixed instant, verifies it, verifies the
// daemon's signed result with its keys (verify_token.js, jose), reads its record back, downloads
// the raw bytes and compares them with the file, and lists recent quotes. Exits non-zero on any
// mismatch.
//
// Usage: node dcapd_example.js --server HOST:PORT --quote FILE --collateral FILE --at EPOCH_SECONDS [--expect-stored]
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const {verifyToken, status, ACCEPTED, Refused} = require('./verify_token');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');
const ERROR_DOMAIN = 'dcapd.dev';

// google.rpc.Status and ErrorInfo (the error detail dcapd sends), with googleapis' field numbers.
const RPC = protobuf.parse(`
  syntax = "proto3";
  package google.rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
`, {keepCase: true}).root;
const Status = RPC.lookupType('google.rpc.Status');
const ErrorInfo = RPC.lookupType('google.rpc.ErrorInfo');

class Mismatch extends Error {}

function expect(condition, what) {
  if (!condition) {
    throw new Mismatch(what);
  }
}

function args(argv) {
  const out = {expectStored: false};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--expect-stored') {
      out.expectStored = true;
    } else if (['--server', '--quote', '--collateral', '--at'].includes(a) && i + 1 < argv.length) {
      out[a.slice(2)] = argv[++i];
    } else {
      throw new Error('usage: dcapd_example.js --server HOST:PORT --quote FILE --collateral FILE --at EPOCH [--expect-stored]');
    }
  }
  for (const k of ['server', 'quote', 'collateral', 'at']) {
    if (!out[k]) {
      throw new Error('missing --' + k);
    }
  }
  return out;
}

/** The ErrorInfo reason dcapd put in the status details, or null. */
function failureCode(err) {
  const details = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (!details || details.length === 0) {
    return null;
  }
  const status = Status.decode(details[0]);
  for (const d of status.details) {
    if (d.type_url.endsWith('/google.rpc.ErrorInfo')) {
      const info = ErrorInfo.decode(d.value);
      if (info.domain === ERROR_DOMAIN) {
        return info.reason;
      }
    }
  }
  return null;
}

/** The QuoteCollateralV3 JSON file (hex CRLs and signatures) as the API's QuoteCollateral. */
function collateral(file) {
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  const hex = (s) => Buffer.from(s, 'hex');
  return {
    pck_crl_issuer_chain: c.pck_crl_issuer_chain,
    root_ca_crl: hex(c.root_ca_crl),
    pck_crl: hex(c.pck_crl),
    tcb_info_issuer_chain: c.tcb_info_issuer_chain,
    tcb_info: c.tcb_info,
    tcb_info_signature: hex(c.tcb_info_signature),
    qe_identity_issuer_chain: c.qe_identity_issuer_chain,
    qe_identity: c.qe_identity,
    qe_identity_signature: hex(c.qe_identity_signature),
    pck_certificate_chain: c.pck_certificate_chain || '',
  };
}

function call(client, method, request) {
  const deadline = new Date(Date.now() + 30000);
  return new Promise((resolve, reject) => {
    client[method](request, {deadline}, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

async function expectError(promise, code, reason, what) {
  try {
    await promise;
  } catch (err) {
    expect(err.code === code, `${what}: status ${err.code} (${err.details}), expected ${code}`);
    if (reason) {
      expect(failureCode(err) === reason, `${what}: reason ${failureCode(err)}, expected ${reason}`);
    }
    return;
  }
  throw new Mismatch(what + ': the call succeeded');
}

/**
 * The answer's token verifies with the daemon's keys (GetKeys), says what the answer says, and one
 * changed byte makes it refused. It is judged as of the answer's instant (verdict.current_at):
 * run.sh may run the daemon under faketime, far from this machine's clock; a relying party uses its
 * own clock (no `at`).
 */
async function checkToken(client, answer, checksum) {
  const jwks = JSON.parse((await call(client, 'GetKeys', {})).jwks);
  const at = Number(answer.verdict.current_at.seconds);
  const claims = await verifyToken(answer.token, jwks, {at});
  expect(ACCEPTED.includes(status(claims)) === answer.success,
      `token ear.status ${status(claims)}, answer success=${answer.success}`);
  expect(claims.submods.quote.dcapd.checksum === checksum, 'token about another quote');
  const [head, body, signature] = answer.token.split('.');
  const raw = Buffer.from(signature, 'base64url');
  raw[0] ^= 1;
  try {
    await verifyToken([head, body, raw.toString('base64url')].join('.'), jwks, {at});
  } catch (e) {
    expect(e instanceof Refused && e.reason === 'BAD_SIGNATURE', 'changed token refused with ' + e.message);
    console.log(`token    ${checksum} ear.status=${status(claims)}; one changed byte: BAD_SIGNATURE`);
    return;
  }
  throw new Mismatch('a token with one changed byte verified');
}

async function run(opts) {
  const definition = protoLoader.loadSync('dcapd/v1/attestation.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true, // the proto's own field names: checksum, can_download, tcb_status, ...
    longs: String,
    enums: String,
    defaults: true,
  });
  const dcapd = grpc.loadPackageDefinition(definition).dcapd.v1;
  const client = new dcapd.AttestationService(opts.server, grpc.credentials.createInsecure());
  const quote = fs.readFileSync(opts.quote);
  const checksum = crypto.createHash('sha256').update(quote).digest('hex');

  // 1. Check: the sample collateral at the instant it was valid. Nothing is stored.
  const check = await call(client, 'Check', {quote, collateral: collateral(opts.collateral), at: {seconds: opts.at}});
  expect(check.success, 'Check did not succeed: ' + (check.verdict.failure && check.verdict.failure.code));
  expect(check.checksum === checksum, `Check checksum ${check.checksum}, file ${checksum}`);
  expect(check.verdict.tcb_status === 'UpToDate', 'Check status ' + check.verdict.tcb_status);
  console.log(`check    ${checksum} success=${check.success} tcb_status=${check.verdict.tcb_status}`);

  // 2. Verify at the daemon's now, asking for a signed result (token "ear"): an answer stores the
  //    quote; UNAVAILABLE/COLLATERAL_UNAVAILABLE means no usable collateral (the sample's has
  //    expired) and nothing is stored.
  let verify = null;
  try {
    verify = await call(client, 'Verify', {quote, token: 'ear'});
    expect(verify.checksum === checksum, `Verify checksum ${verify.checksum}, file ${checksum}`);
    expect(verify.success === verify.verdict.success, 'success and verdict.success disagree');
    console.log(`verify   ${checksum} success=${verify.success} failure=${verify.verdict.failure ? verify.verdict.failure.code : '-'}`);
  } catch (err) {
    if (err instanceof Mismatch) {
      throw err;
    }
    const reason = failureCode(err);
    expect(err.code === grpc.status.UNAVAILABLE && reason === 'COLLATERAL_UNAVAILABLE',
        `Verify failed: ${err.code} ${reason} ${err.details}`);
    expect(!opts.expectStored, 'Verify stored nothing (COLLATERAL_UNAVAILABLE) but --expect-stored was given');
    console.log(`verify   ${checksum} UNAVAILABLE ${reason} (no usable collateral now; nothing stored)`);
  }
  const stored = verify !== null;

  // 3. The signed result, checked as a relying party checks it: jose with the daemon's keys.
  //    Verify's token when the quote was stored; else Check signs its verdict (at the daemon's now:
  //    a token states a judgement made then, so Check takes no `at` with it).
  const answer = stored ? verify
    : await call(client, 'Check', {quote, collateral: collateral(opts.collateral), token: 'ear'});
  await checkToken(client, answer, checksum);

  // 4. The record, the raw bytes and the size, or NOT_FOUND when nothing was stored.
  if (stored) {
    const record = await call(client, 'Get', {checksum});
    expect(record.checksum === checksum, 'Get checksum ' + record.checksum);
    expect(record.verified === verify.success, `Get verified=${record.verified}, Verify success=${verify.success}`);
    expect(record.size === quote.length, `Get size ${record.size}, file ${quote.length}`);
    const raw = await call(client, 'GetRaw', {checksum});
    expect(Buffer.compare(raw.data, quote) === 0, 'GetRaw bytes differ from the file');
    const stat = await call(client, 'StatRaw', {checksum});
    expect(stat.exists && Number(stat.size) === quote.length, `StatRaw ${stat.exists} ${stat.size}`);
    console.log(`get      ${checksum} verified=${record.verified} size=${record.size}; raw bytes identical`);
  } else {
    await expectError(call(client, 'Get', {checksum}), grpc.status.NOT_FOUND, 'NOT_FOUND', 'Get after nothing was stored');
    const stat = await call(client, 'StatRaw', {checksum});
    expect(!stat.exists, 'StatRaw says stored although Verify stored nothing');
    console.log(`get      ${checksum} NOT_FOUND, as expected`);
  }

  // 5. Errors carry dcapd's failure code.
  await expectError(call(client, 'Get', {checksum: 'not-a-checksum'}), grpc.status.INVALID_ARGUMENT, null, 'malformed checksum');

  // 6. Recent, newest first.
  const recent = await call(client, 'Recent', {limit: 10});
  const listed = recent.items.map((i) => i.checksum);
  expect(listed.includes(checksum) === stored, 'Recent lists ' + listed.join(','));
  console.log(`recent   ${listed.length} item(s)` + listed.map((c) => '\n         ' + c).join(''));
  client.close();
}

let opts;
try {
  opts = args(process.argv);
} catch (e) {
  console.error('node example: ' + e.message);
  process.exit(2);
}
run(opts).then(() => process.exit(0), (e) => {
  if (e instanceof Mismatch) {
    console.error('node example: MISMATCH: ' + e.message);
    process.exit(1);
  }
  if (e instanceof Refused) {
    console.error("node example: the daemon's token was refused: " + e.message);
    process.exit(1);
  }
  console.error('node example: ' + (e.code !== undefined ? `status ${e.code}: ${e.details}` : e.stack));
  process.exit(2);
});
