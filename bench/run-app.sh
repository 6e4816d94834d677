#!/usr/bin/env bash
# The desktop app as a person sees it: cold start to interactive, and search latency from
# typing to rendered rows, with 100k instruments, in a real window under Xvfb.
#   bench/run-app.sh [--count N]        (BENCH_PROFILE=debug to skip the release build)
# References in the same run: the page's own DOMContentLoaded (the WebKit floor for any page
# of this app), and the CLI's search time for the same queries over the same database.
# Markdown on stdout; figures in bench/results/app-latest.json.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
profile="${BENCH_PROFILE:-release}"
count=100000
[ "${1:-}" = "--count" ] && count="$2"
flag=()
[ "$profile" = "release" ] && flag=(--release)
(cd ui && npm run --silent build -- --logLevel warn)
cargo build -q "${flag[@]}" -p idstation-app --features custom-protocol >&2
cargo build -q "${flag[@]}" -p idstation-cli >&2
data="${BENCH_DIR:-/var/tmp/idstation-bench}/app-$count"
if [ ! -f "$data/workstation.sqlite" ]; then
  rm -rf "$data"
  echo "bench: creating $count demo instruments in $data" >&2
  IDSTATION_DATA_DIR="$data" "$target/$profile/idstation" demo --count "$count" >/dev/null
fi
export IDSTATION_APP_BIN="$target/$profile/idstation-app" IDSTATION_CLI_BIN="$target/$profile/idstation"
export BENCH_DATA="$data" BENCH_PROFILE="$profile"
mkdir -p bench/results
xvfb-run -a -s "-screen 0 1280x800x24" node bench/app/app_bench.mjs
