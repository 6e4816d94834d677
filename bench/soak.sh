#!/usr/bin/env bash
# The node over an hour: mixed resolution, sync, sign-ins and Handle writes against the release
# node, its RSS, open files, threads and CPU sampled every minute into a CSV.
#   bench/soak.sh [--minutes 60] [--sample-secs 60] [--out bench/results/soak-latest.csv]
# Markdown on stdout (one row a sample); exits non-zero if the node stopped.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p idstation-node --bin idstation-node >&2
cargo build --release -q -p idstation-bench --bin soak >&2
exec "$target/release/soak" --node "$target/release/idstation-node" "$@"
