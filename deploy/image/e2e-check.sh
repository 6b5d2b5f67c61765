#!/usr/bin/env bash
# End-to-end check of installed binaries, for places with nothing but bash (the image,
# a fresh chroot): runrelay --help, then runrelay-sim and runrelay on 127.0.0.1, until
# /readyz answers 200 and /stats counts accepted events. Stops what it started.
# Usage: e2e-check.sh [SIM_PORT] [RELAY_PORT]    (defaults 19090 19080)
set -euo pipefail
sim_port=${1:-19090}
relay_port=${2:-19080}
attempts=100 # of 0.2 s: the relay dials the simulator within its first backoff
logs=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logs"
}
trap cleanup EXIT

# One HTTP/1.0 GET over bash's /dev/tcp; prints the status line, headers and body.
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3
  timeout 5 cat <&3
  exec 3<&-
}

fail() {
  echo "e2e: $*" >&2
  echo "--- relay log" >&2; tail -20 "$logs/relay.log" >&2 || true
  echo "--- simulator log" >&2; tail -20 "$logs/sim.log" >&2 || true
  exit 1
}

runrelay --help >"$logs/help.txt" || fail "runrelay --help exited $?"
grep -q -- '--upstream' "$logs/help.txt" || fail "runrelay --help does not list --upstream"
echo "e2e: runrelay --help ok ($(wc -l <"$logs/help.txt") lines)"

runrelay-sim --listen "127.0.0.1:$sim_port" --rate 20 --runs 2 >"$logs/sim.log" 2>&1 &
pids+=($!)
runrelay --listen "127.0.0.1:$relay_port" --upstream "ws://127.0.0.1:$sim_port/" \
  --relay-id e2e-relay --backoff-base-ms 100 2>"$logs/relay.log" &
pids+=($!)

ready="" accepted=0
for ((i = 0; i < attempts; i++)); do
  kill -0 "${pids[1]}" 2>/dev/null || fail "runrelay exited"
  if [[ -z $ready ]] && http_get "$relay_port" /readyz 2>/dev/null | head -1 | grep -q ' 200'; then
    ready=yes
    echo "e2e: /readyz 200 after $((i * 200)) ms"
  fi
  if [[ -n $ready ]]; then
    upstream=$(http_get "$relay_port" /stats 2>/dev/null | grep -o '"upstream":{[^}]*}' || true)
    accepted=$(grep -o '"accepted":[0-9]*' <<<"$upstream" | cut -d: -f2 || true)
    ((${accepted:-0} > 0)) && break
  fi
  sleep 0.2
done
[[ -n $ready ]] || fail "/readyz never answered 200"
((${accepted:-0} > 0)) || fail "/stats shows no accepted events"
echo "e2e: /stats upstream accepted $accepted events: ok"
