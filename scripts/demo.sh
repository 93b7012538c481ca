#!/usr/bin/env bash
# The demo: a throwaway local etcd, a snapshot taken by the agent, its verification. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm run --silent build
exec npm run --silent demo
