// Compiles every .sol file under SOURCE_DIR with the solc-js version pinned in package-lock.json and
// writes one JSON per contract (abi, bytecode, deployedBytecode, compiler) into OUT_DIR. When
// STAMP_FILE is given, it records a hash of the inputs there and skips solc while they are unchanged.
// Usage: node compile.js SOURCE_DIR OUT_DIR [STAMP_FILE]
'use strict';
const fs = require('fs');
const path = require('path');

const [sourceDir, outDir, stampFile] = process.argv.slice(2);
if (!sourceDir || !outDir) {
  console.error('usage: node compile.js SOURCE_DIR OUT_DIR');
  process.exit(2);
}

let solc;
try {
  solc = require('solc');
} catch (e) {
  console.error('dcapd-contracts: solc-js is not installed; run: npm ci --prefix contracts/solidity-build');
  process.exit(1);
}

// ganache 7.9.2, the test chain, supports EVM versions up to shanghai.
const EVM_VERSION = 'shanghai';

function listSources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listSources(p);
    return e.name.endsWith('.sol') ? [p] : [];
  });
}

const sources = {};
for (const file of listSources(sourceDir).sort()) {
  sources[path.relative(sourceDir, file).split(path.sep).join('/')] = { content: fs.readFileSync(file, 'utf8') };
}

// The build runs this on every Maven build; skip solc (slow with viaIR) when nothing changed.
const crypto = require('crypto');
const digest = crypto
  .createHash('sha256')
  .update(solc.version())
  .update(fs.readFileSync(__filename))
  .update(JSON.stringify(sources))
  .digest('hex');
if (stampFile && fs.existsSync(stampFile) && fs.existsSync(outDir) && fs.readFileSync(stampFile, 'utf8') === digest) {
  console.log('dcapd-contracts: Solidity artifacts are up to date');
  process.exit(0);
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    viaIR: true,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};

function findImports(p) {
  const full = path.join(sourceDir, p);
  if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
  return { error: 'not found: ' + p };
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) {
  console.error(e.formattedMessage.trim());
}
if (errors.length > 0) {
  process.exit(1);
}

fs.mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [file, contracts] of Object.entries(output.contracts || {})) {
  for (const [name, c] of Object.entries(contracts)) {
    const artifact = {
      contractName: name,
      sourceName: file,
      compiler: 'solc-js ' + solc.version(),
      evmVersion: EVM_VERSION,
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    };
    fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(artifact, null, 2) + '\n');
    count++;
  }
}
if (stampFile) {
  fs.writeFileSync(stampFile, digest);
}
console.log('dcapd-contracts: compiled ' + count + ' contracts with solc-js ' + solc.version() + ' (' + EVM_VERSION + ')');
