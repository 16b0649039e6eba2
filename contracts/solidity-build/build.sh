#!/usr/bin/env bash
# The Maven build's Solidity step: installs the pinned npm packages (package-lock.json) when they
# are missing, then compiles. Usage: build.sh SOURCE_DIR OUT_DIR STAMP_FILE
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1; then
  echo "dcapd-contracts: node is not on PATH; install Node.js 18+ and npm (the build then runs: npm ci --prefix contracts/solidity-build)" >&2
  exit 1
fi
if [ ! -d node_modules/solc ] || [ ! -d node_modules/ganache ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "dcapd-contracts: npm is not on PATH and contracts/solidity-build/node_modules is missing; install npm, or run: npm ci --prefix contracts/solidity-build" >&2
    exit 1
  fi
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node compile.js "$@"
