#!/usr/bin/env bash
# Builds one libFuzzer target with clang++-14 (ASan + UBSan), replays its seed corpus,
# then fuzzes it for SECONDS on a scratch copy of the corpus (the repo is never written).
#
# Usage: tests/fuzz/run.sh upstream_frame|client_message|websocket_frames SECONDS
#   SECONDS = 0 only builds and replays the seeds.
# Env:   FUZZ_BUILD_DIR  build and scratch directory (default <repo>/build-fuzz); each
#                        target uses its own subdirectory, so targets can run in parallel.
# Exit:  0 when clean (or "skipped: clang++-14 not found"), 1 on a crash, an invariant
#        violation, a timeout, an OOM or a leak (the reproducer's path is printed), 2 on
#        bad usage.
set -euo pipefail

usage() {
  echo "usage: $0 upstream_frame|client_message|websocket_frames SECONDS" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
target=$1
seconds=$2
case $target in
  upstream_frame | client_message | websocket_frames) ;;
  *) usage ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || usage

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$fuzz_dir/../.." && pwd)
cxx=clang++-14
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "skipped: clang++-14 not found"
  exit 0
fi

build_root=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
mkdir -p "$build_root"
build_root=$(cd "$build_root" && pwd)
out=$build_root/$target
mkdir -p "$out/obj" "$out/artifacts"
if command -v flock >/dev/null 2>&1; then # one run per target and build dir at a time
  exec 9>"$out/.lock"
  flock 9
fi

say() { echo "fuzz[$target]: $*"; }

# ---- build ---------------------------------------------------------------------------
# Boost.JSON is compiled from source (boost_json.cpp) rather than linked from Debian's
# g++-built libboost_json: same compiler, sanitizers and coverage everywhere.
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$repo")
warnings=(-Wall -Wextra)
libs=(-lxxhash -lcrypto) # protocol/websocket_codec.cpp: SHA1, EVP_EncodeBlock

# Objects are rebuilt when the flags change, or when the source or a repo header it
# includes (from the -MMD dependency file) is newer than the object.
stamp="$cxx ${flags[*]} ${warnings[*]} ${libs[*]}"
if [[ ! -f $out/obj/flags || $(<"$out/obj/flags") != "$stamp" ]]; then
  rm -f "$out"/obj/*.o "$out"/obj/*.d "$out/${target}_fuzz"
  printf '%s' "$stamp" >"$out/obj/flags"
fi

stale() { # object dependency-file
  [[ -f $1 && -f $2 ]] || return 0
  local dep
  for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$2"); do
    [[ -e $dep && ! $dep -nt $1 ]] || return 0
  done
  return 1
}

sources=("$repo"/protocol/*.cpp "$fuzz_dir/boost_json.cpp" "$fuzz_dir/${target}_fuzz.cpp")
objects=()
for src in "${sources[@]}"; do
  rel=${src#"$repo"/}
  obj=$out/obj/${rel//\//_}
  obj=${obj%.cpp}.o
  objects+=("$obj")
  if stale "$obj" "${obj%.o}.d"; then
    say "compiling $rel"
    extra=("${warnings[@]}")
    [[ $rel == tests/fuzz/boost_json.cpp ]] && extra=() # third-party code
    "$cxx" "${flags[@]}" "${extra[@]}" -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj"
  fi
done
bin=$out/${target}_fuzz
relink=0
[[ -f $bin ]] || relink=1
for obj in "${objects[@]}"; do
  [[ $obj -nt $bin ]] && relink=1
done
if ((relink)); then
  say "linking $bin"
  "$cxx" "${flags[@]}" "${objects[@]}" "${libs[@]}" -o "$bin"
fi

# ---- run -----------------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-timeout=10 -rss_limit_mb=2048 -max_len=4096)

seed_dir=$fuzz_dir/corpus/$target
mapfile -t seeds < <(find "$seed_dir" -type f | LC_ALL=C sort)
if ((${#seeds[@]} == 0)); then
  say "no seed inputs in $seed_dir"
  exit 1
fi

# Replay: libFuzzer runs each file given as an argument once.
log=$out/replay.log
if ! "$bin" "${common[@]}" -artifact_prefix="$out/artifacts/" "${seeds[@]}" >"$log" 2>&1; then
  tail -n 60 "$log"
  culprit=$(grep '^Running: ' "$log" | tail -n 1 | sed 's/^Running: //')
  say "FAILED replaying the seed corpus"
  say "reproducer: ${culprit:-unknown (see $log)}"
  say "reproduce with: $bin ${culprit:-<file>}"
  exit 1
fi
say "replayed ${#seeds[@]} seed inputs: ok"

if ((seconds == 0)); then # -max_total_time=0 would mean "no limit"
  exit 0
fi

# Fuzz on a scratch corpus: the seeds copied next to whatever earlier runs found.
work=$out/corpus
mkdir -p "$work"
cp "${seeds[@]}" "$work/"
marker=$out/.fuzz-start
: >"$marker"
log=$out/fuzz.log
say "fuzzing for ${seconds}s (log: $log)"
status=0
"$bin" "${common[@]}" -max_total_time="$seconds" -dict="$fuzz_dir/$target.dict" \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$work" >"$log" 2>&1 ||
  status=$?
if ((status != 0)); then
  tail -n 80 "$log"
  say "FAILED (libFuzzer exit status $status)"
  found=0
  while IFS= read -r artifact; do
    say "reproducer: $artifact"
    found=1
  done < <(find "$out/artifacts" -type f -newer "$marker" | LC_ALL=C sort)
  ((found)) || say "reproducer: none written (see $log)"
  say "reproduce with: $bin <reproducer>;" \
    "minimize with: $bin -minimize_crash=1 -runs=100000 <reproducer>"
  exit 1
fi
grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" |
  sed "s/^/fuzz[$target]: /" || true
say "corpus now $(find "$work" -type f | wc -l) inputs; no crash"
