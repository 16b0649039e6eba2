#!/usr/bin/env bash
# Installs the Node example's pinned npm packages (package-lock.json) when they are missing. The
# cli module's Maven build runs this before its tests, so that `./mvnw verify` on a fresh machine
# with Node.js and npm runs the token interop test against examples/node/verify_token.js too.
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/jose ] && [ -d node_modules/@grpc/grpc-js ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "examples/node: npm not found; the token interop test will skip Node (install Node.js and npm)" >&2
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
