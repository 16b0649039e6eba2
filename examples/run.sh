#!/usr/bin/env bash
# Runs the Python and Node examples against a dcapd started here on 127.0.0.1 (a free port) with
# the sample quote's collateral folder, then stops it. Exit non-zero if either example fails.
#
# The sample collateral expired on 2025-07-19, and the daemon judges at the current time. When
# `faketime` is installed (Debian package faketime) the daemon runs with its clock started inside
# the collateral's validity window, so Verify really succeeds and stores the quote, and the
# examples must prove the full round trip (--expect-stored). Without it (or with
# DCAPD_EXAMPLES_FAKETIME=0) the daemon runs at the real date: Verify answers UNAVAILABLE with
# reason COLLATERAL_UNAVAILABLE and stores nothing, which the examples check, while Check with the
# sample collateral at its instant proves the verification round trip.
#
# Needs: java 17, protoc + libprotobuf-dev, /usr/bin/python3 with python3-grpcio and
# python3-protobuf (and python3-jwt, python3-cryptography for the token), node with examples/node's
# packages (installed here with npm ci if missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quote=samples/tdx_quote.bin
collateral=samples/tdx_quote_collateral.json
at=1752919234                       # 2025-07-19T10:00:34Z: inside the sample collateral's window
fake_start='@2025-07-19 00:00:00'   # daemon clock start under faketime (UTC), also inside it
ready_timeout=${DCAPD_EXAMPLES_READY_TIMEOUT:-180}

# Build outside faketime (the launcher rebuilds only when sources changed).
./dcapd serve --help >/dev/null

examples/node/install.sh

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
log="$work/dcapd.log"
expect_stored=()
launcher=()
if [ "${DCAPD_EXAMPLES_FAKETIME:-auto}" != 0 ] && command -v faketime >/dev/null; then
  # Only the wall clock moves; the JVM's monotonic clock stays real so timers behave.
  launcher=(env TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 DONT_FAKE_MONOTONIC=1 faketime -f "$fake_start")
  expect_stored=(--expect-stored)
  echo "examples: daemon clock starts at ${fake_start#@} UTC (faketime); Verify must store the quote"
else
  echo "examples: daemon at the real date; the sample collateral has expired, so Verify must answer COLLATERAL_UNAVAILABLE"
fi

setsid "${launcher[@]}" ./dcapd serve --grpc "127.0.0.1:$port" --collateral-dir samples --data "$work/data" \
  >"$log" 2>&1 &
daemon=$!
stop() {
  kill -TERM -- "-$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

for ((i = 0; i < ready_timeout; i++)); do
  grep -q '^dcapd serving' "$log" && break
  if ! kill -0 "$daemon" 2>/dev/null; then
    echo "examples: the daemon exited:" >&2
    cat "$log" >&2
    exit 2
  fi
  sleep 1
done
if ! grep -q '^dcapd serving' "$log"; then
  echo "examples: the daemon did not start within ${ready_timeout}s:" >&2
  cat "$log" >&2
  exit 2
fi
grep '^dcapd serving' "$log"

args=(--server "127.0.0.1:$port" --quote "$quote" --collateral "$collateral" --at "$at" "${expect_stored[@]}")
echo "== python"
/usr/bin/python3 examples/python/dcapd_example.py "${args[@]}"
echo "== node"
node examples/node/dcapd_example.js "${args[@]}"
if [ ${#expect_stored[@]} -gt 0 ]; then
  # The same record through the dcap CLI, for people reading the CI log.
  checksum=$(sha256sum "$quote" | cut -d' ' -f1)
  echo "== dcap"
  ./dcap --server "127.0.0.1:$port" get "$checksum"
  ./dcap --server "127.0.0.1:$port" recent --limit 5
fi
echo "examples: all passed"
