#!/usr/bin/env node
// Times Phala's pure-JS dcap-qvl (the testkit oracle's pinned copy) on a folder of forged quotes of
// one platform, for the ratio reported next to VerifyBenchmark. Single thread, like the JMH run.
//
// Usage: node benchmarks/node/dcap-qvl-rate.js DIR [SECONDS]
//   DIR from `./dcap forge --out DIR --count N ...` (quote-NNNN.bin, collateral.json, root.der,
//   expected.json). Prints {"quotes_per_s": ..., "verified": ..., "seconds": ...}.
'use strict';

const fs = require('fs');
const path = require('path');
const { QuoteVerifier } = require(path.join(__dirname, '..', '..', 'testkit', 'oracle', 'node_modules', '@phala', 'dcap-qvl'));

const dir = process.argv[2];
const seconds = Number(process.argv[3] || 10);
if (!dir) {
  process.stderr.write('usage: node dcap-qvl-rate.js DIR [SECONDS]\n');
  process.exit(2);
}
const collateral = JSON.parse(fs.readFileSync(path.join(dir, 'collateral.json'), 'utf8'));
const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
const verifier = QuoteVerifier.newWithRootCa(fs.readFileSync(path.join(dir, 'root.der')));
const quotes = fs.readdirSync(dir).filter((f) => /^quote-\d+\.bin$/.test(f)).sort()
  .map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f))));

// Warm up the JIT, then measure.
for (let i = 0; i < Math.min(200, quotes.length); i++) {
  verifier.verify(quotes[i], collateral, expected.at);
}
let n = 0;
const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < end) {
  const report = verifier.verify(quotes[n % quotes.length], collateral, expected.at);
  if (!report.status) {
    throw new Error('no status');
  }
  n++;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ quotes_per_s: Math.round(n / elapsed), verified: n, seconds: elapsed }) + '\n');
