#!/usr/bin/env bash
# Store benchmark: builds the release binary and runs it. Arguments pass through to store_bench
# (try --help). The work dir must be on the real disk: on tmpfs an fsync costs nothing, so the
# register-vs-bare-commit comparison would be meaningless.
#
#   bench/run-store.sh                       # full run (1M-row search DB takes minutes to build)
#   bench/run-store.sh --reuse               # keep the search DB from an earlier run
#   bench/run-store.sh --phases register --commits 1000
#
# Markdown report on stdout, progress on stderr, figures in bench/results/store-latest.json.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BENCH_DIR="${BENCH_DIR:-/var/tmp/idstation-bench}"
mkdir -p "$BENCH_DIR"

fs_type="$(df --output=fstype "$BENCH_DIR" | tail -n 1 | tr -d ' ')"
if [[ "$fs_type" == "tmpfs" || "$fs_type" == "ramfs" ]]; then
    echo "warning: $BENCH_DIR is on $fs_type; set BENCH_DIR to a directory on the real disk" >&2
fi
echo "work dir: $BENCH_DIR ($fs_type)" >&2

cd "$repo"
cargo build --release -p idstation-bench --bin store_bench >&2
exec "$repo/target/release/store_bench" "$@"
