#!/usr/bin/env bash
# The developer's build: configures and builds runrelay into the given directory
# (default build/) with warnings as errors. Targets after `--` build only those.
# Usage: deploy/build.sh [BUILD_DIR] [extra cmake arguments...] [-- TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake_args=()
while (($#)) && [[ $1 != -- ]]; do
  cmake_args+=("$1")
  shift
done
shift || true # the `--`; what is left are targets
# A later -D on the command line wins, so callers can turn RUNRELAY_WERROR off.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNRELAY_WERROR=ON \
  "${cmake_args[@]}" >/dev/null
# Beast translation units need about 1 GiB each; two at a time fit any machine we target.
ninja -C "$dir" -j "${RUNRELAY_BUILD_JOBS:-2}" "$@"
