#!/usr/bin/env bash
# Label rendering benchmark: 1,000 labels with Chinese text to ZPL, with the bitmap alone and PNG
# previews as references in the same run. Arguments pass through (--labels N, --dpi 300).
# Markdown report on stdout, figures in bench/results/labels-latest.json.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -p idstation-bench --bin labels_bench >&2
exec "$target/release/labels_bench" "$@"
