#!/usr/bin/env bash
# Monthly report benchmark: a node month with 1,000,000 registrations (each with its
# review-to-resolvable time) and six months of daily figures, issued end to end with every
# chart (figures, zh-CN PDF, CSV, hashes). Goal: ≤ 1 s and a PDF under 1 MB.
# Markdown report on stdout, figures in bench/results/report-latest.json, the PDF beside it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -p idstation-reports --example report_bench >&2
mkdir -p bench/results
REPORT_BENCH_JSON=bench/results/report-latest.json \
REPORT_BENCH_PDF=bench/results/report-latest.pdf \
    exec "$target/release/examples/report_bench" "$@"
