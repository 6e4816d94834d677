#!/usr/bin/env bash
# Hot folder benchmark (issue 19): a 100k-row GB18030 CSV and a 100k-row XLSX through a running
# hot folder, beside the plain `instrument import` of the same CSV. Builds in release mode;
# arguments pass through to hotfolder_bench (try --help). The work dir must be on the real disk.
#
#   bench/run-hotfolder.sh                 # 100,000 rows
#   bench/run-hotfolder.sh --rows 20000
#
# Markdown report on stdout, progress on stderr, figures in bench/results/hotfolder-latest.json.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BENCH_DIR="${BENCH_DIR:-/var/tmp/idstation-bench}"
mkdir -p "$BENCH_DIR"

cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p idstation-bench --bin hotfolder_bench >&2
exec "$target/release/hotfolder_bench" "$@"
