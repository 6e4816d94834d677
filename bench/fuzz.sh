#!/usr/bin/env bash
# Fuzzes one target with libFuzzer for the given seconds (default 600): `parse_identifier`
# (default) or `render_label` (templates and instrument fields through every output format).
# cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP lets the one stable toolchain here take them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
target="${2:-parse_identifier}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p "corpus/$target"
[ -d "seeds/$target" ] && cp "seeds/$target"/* "corpus/$target/"
# The renderer's inputs are structured (templates, fields): whole-size inputs from the start,
# not libFuzzer's slow growth from 4 bytes. Rendering a large label takes a while: a slow input
# is a finding only past 10 s.
extra=()
[ "$target" = render_label ] && extra=(-len_control=0 -max_len=2048)
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- \
  -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 "${extra[@]}"
