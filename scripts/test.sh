#!/usr/bin/env bash
# Runs every test against a real etcd; installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec npm test
