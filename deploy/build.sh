#!/usr/bin/env bash
# Configures and builds runrelay into the given directory (default build/).
# Usage: deploy/build.sh [BUILD_DIR] [extra cmake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNRELAY_WERROR=ON "$@" >/dev/null
# Beast translation units need about 1 GiB each; two at a time fit any machine we target.
ninja -C "$dir" -j "${RUNRELAY_BUILD_JOBS:-2}"
