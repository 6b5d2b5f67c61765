#!/usr/bin/env bash
# Installs what building and testing runrelay needs on Debian bookworm, and nothing that
# is already there. Run as root. Usage: deploy/install-deps.sh [--tests]
set -euo pipefail
packages=(ca-certificates g++ cmake ninja-build pkg-config
          libcaf-dev libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev
          libxxhash-dev libcli11-dev libspdlog-dev libssl-dev)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(python3 python3-websocket clang-14 libclang-rt-14-dev chromium)
  # The browser tests run on node; a node that is already on PATH will do.
  command -v node >/dev/null || packages+=(nodejs npm)
fi
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
