#!/usr/bin/env node
// Verifies a dcapd signed result (an EAR token) with jose, as a relying party does.
//
// Usage: node verify_token.js TOKEN|- JWKS_FILE [--at UNIX_SECONDS] [--nonce HEX] [--allow-insecure-root]
//
// TOKEN is the compact JWT dcapd answers with when asked for token "ear" (gRPC Verify, Get or
// Check; HTTP ?token=ear or Accept: application/eat+jwt), or - to read it from standard input.
// JWKS_FILE holds the daemon's public keys (gRPC GetKeys, or GET /.well-known/jwks.json). Prints
// the claims as JSON. Exit 0 when the token verifies and its ear.status is affirming or warning,
// 1 when it verifies and says the quote is not to be trusted (contraindicated, none), 2 when it
// does not verify (one line on stderr: the reason, spelled as dcapd's Java verifier spells it) or
// on bad usage.
//
// A token whose verdict rests on a root other than Intel's (submods.quote.dcapd.insecure_root not
// false: the daemon ran with --insecure-trust-root, whose holder can make quotes it calls genuine,
// or the token does not say) is refused as INSECURE_ROOT unless --allow-insecure-root is given.
//
// Time: jose judges exp at `currentDate` (--at, else now) with a 30 s tolerance, as dcapd's Java
// verifier does; jose checks iat only against a maximum age, so a token issued more than 30 s
// after the instant is refused here.
'use strict';

const fs = require('fs');
const jose = require('jose');

const PROFILE = 'tag:github.com,2023:veraison/ear';
const LEEWAY_SECONDS = 30;
const ACCEPTED = ['affirming', 'warning'];
/** jose's error codes, as dcapd's Java verifier names the same refusals. */
const REASONS = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'BAD_SIGNATURE',
  ERR_JWT_EXPIRED: 'EXPIRED',
  ERR_JWKS_NO_MATCHING_KEY: 'UNKNOWN_KEY',
  ERR_JOSE_ALG_NOT_ALLOWED: 'WRONG_ALGORITHM',
};

class Refused extends Error {
  constructor(reason, message) {
    super(`${reason}: ${message}`);
    this.reason = reason;
  }
}

/**
 * The claims of a dcapd EAR signed by a key of `jwks` (the parsed JWKS), valid at `at` (Unix
 * seconds, default now), carrying `nonce` (hex) when one is given, and anchored in Intel's root
 * unless `allowInsecureRoot`; rejects with Refused otherwise.
 */
async function verifyToken(token, jwks, {at, nonce, allowInsecureRoot = false} = {}) {
  const now = at === undefined ? Date.now() / 1000 : at;
  let payload;
  try {
    ({payload} = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      currentDate: new Date(now * 1000),
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ['exp', 'iat'],
    }));
  } catch (e) {
    throw new Refused(REASONS[e.code] || 'MALFORMED', e.message);
  }
  if (payload.iat > now + LEEWAY_SECONDS) {
    throw new Refused('EXPIRED', `issued in the future, at ${payload.iat}`);
  }
  if (payload.eat_profile !== PROFILE) {
    throw new Refused('WRONG_PROFILE', `eat_profile is ${payload.eat_profile}`);
  }
  if (!payload.submods || typeof payload.submods.quote !== 'object' || payload.submods.quote === null) {
    throw new Refused('MALFORMED', 'no submods.quote');
  }
  if (nonce !== undefined && String(payload.eat_nonce || '').toLowerCase() !== nonce.toLowerCase()) {
    throw new Refused('WRONG_NONCE', 'the token does not carry the expected nonce');
  }
  const dcapd = payload.submods.quote.dcapd;
  const insecureRoot = dcapd !== null && typeof dcapd === 'object' ? dcapd.insecure_root : undefined;
  // Only the JSON value false says Intel's root; anything else (true, absent, 0, "false") is refused.
  if (insecureRoot !== false && !allowInsecureRoot) {
    throw new Refused('INSECURE_ROOT', insecureRoot === undefined
      ? 'the token does not say whether its verdict rests on Intel\'s root (no insecure_root claim)'
      : `its verdict rests on a root other than Intel's (insecure_root: ${JSON.stringify(insecureRoot)})`);
  }
  return payload;
}

/** The appraisal of the quote: affirming, warning, contraindicated or none. */
function status(claims) {
  return claims.submods.quote['ear.status'];
}

function usage(message) {
  console.error(`verify_token.js: ${message}\nusage: node verify_token.js TOKEN|- JWKS_FILE [--at UNIX_SECONDS] [--nonce HEX] [--allow-insecure-root]`);
  process.exit(2);
}

async function main(argv) {
  const positional = [];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--at' && i + 1 < argv.length && /^\d+$/.test(argv[i + 1])) {
      opts.at = Number(argv[++i]);
    } else if (argv[i] === '--nonce' && i + 1 < argv.length) {
      opts.nonce = argv[++i].replace(/^0x/i, '');
      if (!/^(?:[0-9a-fA-F]{2})+$/.test(opts.nonce)) {
        usage('--nonce is not hex');
      }
    } else if (argv[i] === '--allow-insecure-root') {
      opts.allowInsecureRoot = true;
    } else if (argv[i].startsWith('--') || positional.length === 2) {
      usage(`unexpected ${argv[i]}`);
    } else {
      positional.push(argv[i]);
    }
  }
  if (positional.length !== 2) {
    usage('TOKEN and JWKS_FILE are required');
  }
  const token = positional[0] === '-' ? fs.readFileSync(0, 'utf8').trim() : positional[0];
  let jwks;
  try {
    jwks = JSON.parse(fs.readFileSync(positional[1], 'utf8'));
  } catch (e) {
    console.error(`verify_token.js: ${positional[1]}: ${e.message}`);
    return 2;
  }
  let claims;
  try {
    claims = await verifyToken(token, jwks, opts);
  } catch (e) {
    if (!(e instanceof Refused)) {
      throw e;
    }
    console.error(`verify_token.js: ${e.message}`);
    return 2;
  }
  console.log(JSON.stringify(claims, null, 2));
  if (ACCEPTED.includes(status(claims))) {
    return 0;
  }
  console.error(`verify_token.js: the token verifies and its ear.status is ${status(claims)}`);
  return 1;
}

module.exports = {verifyToken, status, ACCEPTED, Refused};

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error('verify_token.js: ' + e.stack);
    process.exit(2);
  });
}
