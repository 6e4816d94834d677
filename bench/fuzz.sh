#!/usr/bin/env bash
# Fuzzes the identifier parser with libFuzzer for the given seconds (default 600).
# cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP lets the one stable toolchain here take them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p corpus/parse_identifier
cp seeds/* corpus/parse_identifier/
RUSTC_BOOTSTRAP=1 cargo fuzz run parse_identifier corpus/parse_identifier -- \
  -max_total_time="$secs" -max_len=4096
