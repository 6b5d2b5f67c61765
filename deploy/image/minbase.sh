#!/usr/bin/env bash
# Prints the path of a tarball of a minimal Debian bookworm tree (debootstrap
# --variant=minbase), making it once and reusing it afterwards: both the image build and
# the package test start from it, and debootstrap takes minutes. Run as root.
# Env: MINBASE_TAR   where the tarball is kept (default: /tmp/fresh/bookworm-minbase.tar
#                    if it exists, else /var/tmp/runrelay/bookworm-minbase.tar)
#      DEBIAN_MIRROR the mirror debootstrap uses (default http://deb.debian.org/debian)
set -euo pipefail
tar_path=${MINBASE_TAR:-}
if [[ -z $tar_path ]]; then
  tar_path=/var/tmp/runrelay/bookworm-minbase.tar
  [[ -s /tmp/fresh/bookworm-minbase.tar ]] && tar_path=/tmp/fresh/bookworm-minbase.tar
fi
if [[ ! -s $tar_path ]]; then
  command -v debootstrap >/dev/null || { echo "minbase: apt-get install debootstrap" >&2; exit 2; }
  mkdir -p "$(dirname "$tar_path")"
  tree=$(mktemp -d /var/tmp/runrelay-minbase.XXXXXX)
  trap 'rm -rf "$tree"' EXIT
  echo "minbase: debootstrap bookworm into $tree (a few minutes)" >&2
  debootstrap --variant=minbase bookworm "$tree" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$tree.log" 2>&1 || { tail -20 "$tree.log" >&2; exit 1; }
  rm -f "$tree.log"
  chmod 755 "$tree" # it becomes /: mktemp made it 0700
  # Written next to the final name and renamed, so an interrupted run leaves no half tarball.
  tar --numeric-owner -C "$tree" -cf "$tar_path.part" .
  mv "$tar_path.part" "$tar_path"
fi
echo "$tar_path"
