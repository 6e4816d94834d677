#!/usr/bin/env bash
# Sync throughput: push 100k ops and pull 100k rows over loopback against the release node.
#   bench/run-sync.sh [--count N]
# Markdown on stdout; figures in bench/results/sync-latest.json.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p idstation-node --bin idstation-node >&2
cargo build --release -q -p idstation-bench --bin sync_bench >&2
exec "$target/release/sync_bench" --node "$target/release/idstation-node" "$@"
