#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts the simulated orchestrator and
# runrelay on 127.0.0.1, and shows the events flowing through the relay in this
# terminal. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --demo
echo "demo: building (the first build takes a few minutes)..."
# A user's build: no tests (nor their tools), only the three programs the demo runs,
# and a newer compiler's warning does not stop it.
deploy/build.sh build -DBUILD_TESTING=OFF -DRUNRELAY_WERROR=OFF \
  -- runrelay runrelay-sim runrelay-watch
sim_port=${SIM_PORT:-9090}
relay_port=${RELAY_PORT:-8080}
logs=${TMPDIR:-/tmp}/runrelay-demo
mkdir -p "$logs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
build/runrelay-sim --listen "127.0.0.1:$sim_port" --rate 4 --runs 3 >"$logs/sim.log" 2>&1 &
pids+=($!)
build/runrelay --listen "127.0.0.1:$relay_port" --upstream "ws://127.0.0.1:$sim_port/" \
  --relay-id demo-relay 2>"$logs/relay.log" &
pids+=($!)
cat <<TXT
demo: the dashboard: open http://127.0.0.1:$relay_port/ in a browser
demo: orchestrator (simulated) on ws://127.0.0.1:$sim_port, its log in $logs/sim.log
demo: runrelay on http://127.0.0.1:$relay_port, its log in $logs/relay.log
demo: try in another terminal:
        curl -s 127.0.0.1:$relay_port/stats | head -c 600; echo
        build/runrelay-watch --stats http://127.0.0.1:$relay_port
        curl -X POST 127.0.0.1:$sim_port/control/drop    # watch the relay reconnect
demo: live events from every run follow (Ctrl-C to stop):
TXT
build/runrelay-watch --url "ws://127.0.0.1:$relay_port/ws" --run '*'
