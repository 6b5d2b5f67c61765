#!/usr/bin/env bash
# Builds the runrelay .deb (Release, cpack -G DEB), installs it with apt-get in a fresh
# Debian bookworm minbase chroot, and runs runrelay --help and runrelay-sim + runrelay end
# to end there (127.0.0.1: /readyz 200, accepted events in /stats). Removes the chroot
# and its mounts whatever happens. Run as root; ~12 minutes on two cores from a clean
# build directory (docs/deployment.md).
# Usage: deploy/package/test-deb.sh [BUILD_DIR=build-deb]
# Env:   RUNRELAY_BUILD_JOBS=2, KEEP_CHROOT=1 (leave the chroot for a look, mounts undone)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$repo/build-deb}
started=$(date +%s)

cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" -j "${RUNRELAY_BUILD_JOBS:-2}"
rm -f "$build"/runrelay_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/runrelay_*.deb)
echo "test-deb: built $deb"
dpkg-deb --field "$deb" Package Version Depends
dpkg-deb --contents "$deb" | awk '{print "  " $6}'

root=$(mktemp -d /var/tmp/runrelay-deb-chroot.XXXXXX)
mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
  done
  # --one-file-system: never follow a mount that failed to come off into the host.
  [[ -n ${KEEP_CHROOT:-} ]] || rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$("$repo/deploy/image/minbase.sh")"
chmod 755 "$root" # the chroot's /, which every user must traverse (mktemp made it 0700)
for fs in proc dev dev/pts; do
  case $fs in
    proc) mount -t proc proc "$root/proc" ;;
    *) mount --bind "/$fs" "$root/$fs" ;;
  esac
  mounts+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
cp "$repo/deploy/image/e2e-check.sh" "$root/tmp/e2e-check.sh"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive "$@"; }
echo "test-deb: apt-get install ./$(basename "$deb") in a fresh chroot"
in_root apt-get update -qq
in_root sh -c "cd /tmp && apt-get install -y -qq --no-install-recommends ./$(basename "$deb")" \
  >"$root.apt.log" 2>&1 || { tail -30 "$root.apt.log" >&2; rm -f "$root.apt.log"; exit 1; }
rm -f "$root.apt.log"
for path in /usr/bin/runrelay /usr/bin/runrelay-sim /lib/systemd/system/runrelay.service \
  /etc/default/runrelay; do
  [[ -e $root$path ]] || { echo "test-deb: the package did not install $path" >&2; exit 1; }
done
read -r sim_port relay_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
in_root setpriv --reuid=65534 --regid=65534 --clear-groups \
  bash /tmp/e2e-check.sh "$sim_port" "$relay_port"
echo "test-deb: passed in $(($(date +%s) - started)) s"
