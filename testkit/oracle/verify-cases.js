#!/usr/bin/env node
// Runs forged testkit cases through Phala's independent dcap-qvl verifier (pure JS).
//
// Usage: node verify-cases.js DIR
//   DIR holds one sub-directory per case, each with quote.bin (or quote-NNNN.bin files),
//   collateral.json, root.der and expected.json (whose "at" is the Unix second to verify at).
//   A DIR that itself holds collateral.json is treated as a single case.
// Prints one JSON object per quote on stdout:
//   {"case", "quote", "success", "status", "advisory_ids", "error"}
// Exit code: 0 when every case ran (whatever dcap-qvl answered), 2 on a usage or I/O error.
'use strict';

const fs = require('fs');
const path = require('path');
const { QuoteVerifier } = require('@phala/dcap-qvl');

function caseDirs(dir) {
  if (fs.existsSync(path.join(dir, 'collateral.json'))) {
    return [dir];
  }
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .sort();
}

function errorChain(e) {
  let message = e && e.message ? e.message : String(e);
  for (let c = e && e.cause; c; c = c.cause) {
    message += ': ' + (c.message || c);
  }
  return message;
}

function runCase(dir) {
  const collateral = JSON.parse(fs.readFileSync(path.join(dir, 'collateral.json'), 'utf8'));
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
  const root = fs.readFileSync(path.join(dir, 'root.der'));
  const verifier = QuoteVerifier.newWithRootCa(root);
  const quotes = fs.readdirSync(dir).filter((f) => /^quote(-\d+)?\.bin$/.test(f)).sort();
  return quotes.map((q) => {
    const raw = new Uint8Array(fs.readFileSync(path.join(dir, q)));
    const out = { case: path.basename(dir), quote: q };
    try {
      const report = verifier.verify(raw, collateral, expected.at);
      out.success = true;
      out.status = report.status;
      out.advisory_ids = report.advisory_ids;
      out.error = null;
    } catch (e) {
      out.success = false;
      out.status = null;
      out.advisory_ids = [];
      out.error = errorChain(e);
    }
    return out;
  });
}

function main() {
  const dir = process.argv[2];
  if (!dir || process.argv.length > 3) {
    process.stderr.write('usage: node verify-cases.js DIR\n');
    process.exit(2);
  }
  try {
    for (const d of caseDirs(dir)) {
      for (const result of runCase(d)) {
        process.stdout.write(JSON.stringify(result) + '\n');
      }
    }
  } catch (e) {
    process.stderr.write('verify-cases: ' + errorChain(e) + '\n');
    process.exit(2);
  }
}

main();
