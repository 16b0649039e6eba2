#!/usr/bin/env bash
# Installs the oracle's pinned npm packages when they are missing. The testkit's Maven build runs
# this before its tests, so `./mvnw verify` on a fresh machine runs the agreement test too.
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/@phala/dcap-qvl ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "testkit oracle: npm not found; the dcap-qvl agreement test will be skipped (install Node.js and npm)" >&2
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
