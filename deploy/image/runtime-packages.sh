#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries the given executables load,
# one per line: the image's runtime stage installs exactly these, so a library another
# change links (libjwt, say) follows without editing the Dockerfile.
# Usage: runtime-packages.sh BINARY...
set -euo pipefail
owner() { # library path -> package; bookworm's merged /usr means either spelling is listed
  local path=$1 real
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "${real#/usr}" "/usr${path}"; do
    dpkg-query -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  echo "runtime-packages: no package holds $path" >&2
  return 1
}
for binary in "$@"; do
  ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r library; do owner "$library"; done | sort -u
