#!/usr/bin/env bash
# Installs the Debian bookworm packages runrelay needs, and nothing that is already
# there. Run as root.
# Usage: deploy/install-deps.sh [--demo] [--tests]
#   (none)   what building the relay and its tools needs
#   --demo   also curl, which the demo's suggested commands use
#   --tests  also what the test command runs: Boost.Test, python3 (integration),
#            clang-14 and its libFuzzer runtime (fuzz), xxhsum (a cross-check of
#            derived event ids), chromium and node (the dashboard), haproxy and
#            kubectl (deploy checks)
set -euo pipefail
# ca-certificates: the relay verifies a wss:// orchestrator against the system's CAs.
packages=(ca-certificates g++ cmake ninja-build
          libcaf-dev libboost1.81-dev libboost-json1.81-dev
          libxxhash-dev libcli11-dev libspdlog-dev libssl-dev)
for arg in "$@"; do
  case $arg in
    --demo) packages+=(curl) ;;
    --tests)
      packages+=(libboost-test1.81-dev python3 clang-14 libclang-rt-14-dev xxhash
                 chromium haproxy)
      # The browser tests run on node, the manifest tests on kubectl's kustomize; ones
      # already on PATH will do.
      command -v node >/dev/null || packages+=(nodejs npm)
      command -v kubectl >/dev/null || packages+=(kubernetes-client)
      ;;
    *) echo "usage: $0 [--demo] [--tests]" >&2; exit 2 ;;
  esac
done
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
