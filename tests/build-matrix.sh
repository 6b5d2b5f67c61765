#!/usr/bin/env bash
# Builds everything, tests included, with g++ 12 and clang 14 in Release, Debug and
# RelWithDebInfo, each from clean in its own directory, and fails on any compiler or
# linker warning. Too long for CI (six full builds); run it before changing compiler
# flags, after a toolchain upgrade, and before a release. docs/building.md keeps the
# last result.
#
# Usage: tests/build-matrix.sh [CONFIG...]   CONFIG is <compiler>-<type>, e.g.
#        gcc-Release or clang-Debug; none = all six, in the order below.
# Env:   MATRIX_PREFIX  build directory prefix (default build-matrix/), one dir per CONFIG
#        RUNRELAY_WERROR  ON (default) or OFF, the packager's build
#        RUNRELAY_BUILD_JOBS  parallel jobs (default 2)
# Exit:  0 when every configuration built without a warning, 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
all=(gcc-Release clang-Release gcc-Debug clang-Debug clang-RelWithDebInfo
     gcc-RelWithDebInfo)
configs=("$@")
((${#configs[@]})) || configs=("${all[@]}")
prefix=${MATRIX_PREFIX:-build-matrix/}
werror=${RUNRELAY_WERROR:-ON}
jobs=${RUNRELAY_BUILD_JOBS:-2}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

compiler_of() {
  case $1 in
    gcc) echo g++-12 ;;
    clang) echo clang++-14 ;;
    *) return 1 ;;
  esac
}

# Builds one configuration from clean; prints its result line, returns 1 on a warning.
build_one() { # config
  local config=$1 cc=${1%%-*} type=${1#*-} dir=$prefix$1 cxx log start status=0
  cxx=$(compiler_of "$cc")
  mkdir -p "$dir"
  log=$dir/build.log
  start=$(date +%s)
  {
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DCMAKE_CXX_COMPILER="$cxx" \
      -DRUNRELAY_WERROR="$werror" -DBUILD_TESTING=ON "${launcher[@]}" &&
      ninja -C "$dir" -t clean &&
      ninja -C "$dir" -k 0 -j "$jobs"
  } >"$log" 2>&1 || status=$?
  local warnings errors
  warnings=$(grep -c 'warning:' "$log" || true)
  errors=$(grep -c 'error:' "$log" || true)
  printf 'build-matrix: %-22s %-4s %3d warnings %3d errors %5ds  %s\n' "$config" \
    "$( ((status == 0 && warnings == 0)) && echo ok || echo FAIL)" "$warnings" "$errors" \
    "$(($(date +%s) - start))" "$log"
  ((status == 0 && warnings == 0)) || {
    grep -E 'warning:|error:' "$log" | sort -u | head -n 20 | sed 's/^/    /'
    return 1
  }
}

for config in "${configs[@]}"; do
  if ! compiler_of "${config%%-*}" >/dev/null ||
    [[ ! ${config#*-} =~ ^(Release|Debug|RelWithDebInfo)$ ]]; then
    echo "build-matrix: unknown configuration $config" >&2
    exit 2
  fi
done
failed=0
begin=$(date +%s)
echo "build-matrix: $(g++-12 --version | head -n 1); $(clang++-14 --version | head -n 1)"
echo "build-matrix: RUNRELAY_WERROR=$werror, $jobs jobs, $(git rev-parse --short HEAD)"
for config in "${configs[@]}"; do
  build_one "$config" || failed=1
done
echo "build-matrix: $( ((failed)) && echo FAILED || echo passed) in $((($(date +%s) - begin) / 60)) min"
exit "$failed"
