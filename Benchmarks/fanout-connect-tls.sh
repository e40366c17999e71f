#!/bin/bash
# fanout --connect, plain and TLS alternating, against a server started by hand on one prepared
# store (docs/benchmarks.md, "fanout --connect --tls"). Needs a release build:
#   swift build -c release && Benchmarks/fanout-connect-tls.sh [ROUNDS]
# On this machine only (127.0.0.1, no mDNS, no broadcast responder).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
store=$(mktemp -d -t causerie-fanout.XXXXXX)
trap 'rm -rf "$store" "$store.json"' EXIT
rm -rf "$store" && .build/release/causerie-bench fanout --prepare "$store" --tls >/dev/null
for _ in $(seq "$rounds"); do
  for mode in off office; do
    .build/release/causerie serve --data "$store" --config "$store.json" --host 127.0.0.1 --port 18080 --tls $mode \
      --no-mdns --discovery-port 0 --log-level warning >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.2; done
    sleep 1
    extra=()
    [ $mode = office ] && extra=(--tls --ca "$store/tls/ca.crt" --server-name localhost)
    timeout 300 .build/release/causerie-bench fanout --connect 127.0.0.1:18080 --server-pid $pid "${extra[@]}" 2>&1 | tail -1
    kill $pid; wait $pid 2>/dev/null || true
  done
done
