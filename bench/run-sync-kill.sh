#!/usr/bin/env bash
# The long kill test: kill -9 the workstation (and every fourth round the node) during a large
# sync, IDSTATION_SYNC_KILLS times (default 1000), then check nothing was lost or doubled.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export IDSTATION_SYNC_KILLS="${IDSTATION_SYNC_KILLS:-1000}"
cargo test --release -q -p idstation-node --test sync_kill -- --nocapture 2>&1 \
  | grep -E "kills|test result|panicked|assert"
