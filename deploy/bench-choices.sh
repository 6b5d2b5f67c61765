#!/usr/bin/env bash
# Measures the relay's tuning choices with runrelay-bench: the CAF scheduler policy and
# worker count, the number of I/O threads, and (with ALT_BIN) another build of the relay,
# on two load shapes. Prints one markdown table; the raw JSON of every run goes to
# $OUT (default /tmp/runrelay-choices-<time>).
#
# Usage: deploy/bench-choices.sh [BUILD_DIR=build]
# Env:   REPEAT=2          runs per configuration and load (the table shows each run)
#        DURATION=10       seconds of publishing per run
#        ALT_BIN=path      also measure this runrelay binary with the default options
#        ALT_NAME=name     its label in the table (default "alt")
#        LOADS="wide runs" which loads: wide = 5000 clients on 1 run at 6 events/s
#                          (bursts of 5000 frames), runs = 1000 clients over 10 runs at
#                          300 events/s
# Everything runs on 127.0.0.1; the bench starts and stops each relay itself.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
bench=$build/runrelay-bench
relay=$build/runrelay
repeat=${REPEAT:-2}
duration=${DURATION:-10}
loads=${LOADS:-wide runs}
out=${OUT:-/tmp/runrelay-choices-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$out"
for bin in "$bench" "$relay"; do
  [[ -x $bin ]] || { echo "bench-choices: $bin not built (deploy/build.sh $build)" >&2; exit 2; }
done

# label | relay binary | relay options
configs=(
  "sharing, 1 worker, 1 I/O thread (default)|$relay|"
  "sharing, 2 workers, 1 I/O thread|$relay|--scheduler-threads 2"
  "stealing, 1 worker, 1 I/O thread|$relay|--scheduler stealing"
  "stealing, 2 workers, 1 I/O thread|$relay|--scheduler stealing --scheduler-threads 2"
  "sharing, 1 worker, 2 I/O threads|$relay|--io-threads 2"
)
[[ -n ${ALT_BIN:-} ]] && configs+=("${ALT_NAME:-alt}|$ALT_BIN|")

load_args() {
  case $1 in
    wide) echo "--clients 5000 --runs 1 --rate 6" ;;
    runs) echo "--clients 1000 --runs 10 --rate 300" ;;
    *) echo "bench-choices: unknown load $1" >&2; exit 2 ;;
  esac
}

summarize() { # json file -> table cells
  /usr/bin/python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
dl, lat, cpu = d["deliveries"], d["latency_ms"], d["cpu"]
print("| %d/%d | %d/%d/%d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
    dl["delivered"], dl["expected"], dl["lost"], dl["duplicated"], dl["out_of_order"],
    dl["per_s"], lat["p50"], lat["p99"], lat["max"], cpu["relay_cores"],
    cpu["other_cores"]))
EOF
}

echo "# runrelay choices, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
for load in $loads; do
  echo
  echo "load $load: runrelay-bench $(load_args "$load") --duration $duration --warmup 2"
  echo
  echo "| relay | run | delivered | lost/dup/ooo | deliveries/s | p50 ms | p99 ms | max ms | relay cores | other cores |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for config in "${configs[@]}"; do
    IFS='|' read -r label bin options <<<"$config"
    relay_args=()
    for option in $options; do relay_args+=(--relay-arg "$option"); done
    for ((i = 1; i <= repeat; i++)); do
      file=$out/$load-$(echo "$label" | tr -c 'a-z0-9' '-')-$i.json
      # shellcheck disable=SC2046
      "$bench" --relay-bin "$bin" $(load_args "$load") --duration "$duration" \
        --warmup 2 --json --quiet "${relay_args[@]}" >"$file" 2>"$file.log" || true
      echo "| $label | $i $(summarize "$file")"
    done
  done
done
echo
echo "raw results: $out"
