#!/usr/bin/env bash
# The test command: installs what is missing, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every unit and integration test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --tests
dir=build-test
deploy/build.sh "$dir" -DRUNRELAY_SANITIZE=ON
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$dir" --output-on-failure --timeout 300 -j 2
