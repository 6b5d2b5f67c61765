#!/usr/bin/env bash
# Builds the runrelay image from the Dockerfile with buildah (no Docker engine, no
# registry): makes the `bookworm` base image from a debootstrap minbase tree, runs
# `buildah bud` with chroot isolation on the vfs driver, then smoke-tests the image
# with `buildah run`: runrelay --help, and runrelay-sim + runrelay on 127.0.0.1 until
# /readyz is 200 and /stats counts accepted events. Run as root; takes ~15 minutes on
# two cores, most of it compiling (docs/deployment.md).
# Usage: deploy/image/build-image.sh [IMAGE=runrelay:latest]
# Env:   BUILDAH_ROOT   image store (default /var/tmp/runrelay/containers, kept apart
#                       from the default store so its driver never conflicts)
#        BUILD_JOBS=2   compile jobs inside the build
#        SKIP_BUILD=1   only smoke-test an image already built
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
image=${1:-runrelay:latest}
root=${BUILDAH_ROOT:-/var/tmp/runrelay/containers}
bh() { buildah --root "$root" --runroot "$root.run" --storage-driver vfs "$@"; }
command -v buildah >/dev/null || { echo "build-image: apt-get install buildah" >&2; exit 2; }
started=$(date +%s)

make_base() { # the local image `bookworm`, from the cached minbase tarball
  bh inspect --type image localhost/bookworm >/dev/null 2>&1 && return 0
  local tarball container
  tarball=$("$repo/deploy/image/minbase.sh")
  echo "build-image: importing $tarball as localhost/bookworm"
  container=$(bh from scratch)
  bh add "$container" "$tarball" /
  bh config --cmd /bin/bash --env LANG=C.UTF-8 "$container"
  bh commit --rm "$container" localhost/bookworm >/dev/null
}

smoke_test() {
  local container
  container=$(bh from --pull=never "$image")
  trap 'bh rm "$container" >/dev/null' RETURN
  # chroot isolation shares the host's network: pick ports nobody is listening on.
  read -r sim_port relay_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  bh run --isolation chroot --user 10001 "$container" -- \
    runrelay-e2e-check "$sim_port" "$relay_port"
}

if [[ -z ${SKIP_BUILD:-} ]]; then
  make_base
  echo "build-image: buildah bud -> $image (compiles in the build stage)"
  bh bud --isolation chroot --format docker --pull=never \
    --build-arg BUILD_JOBS="${BUILD_JOBS:-2}" -t "$image" -f "$repo/Dockerfile" "$repo"
fi
smoke_test
bh images "$image"
echo "build-image: $image passed its smoke test in $(($(date +%s) - started)) s"
