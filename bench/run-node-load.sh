#!/usr/bin/env bash
# Resolution under load: wrk against the release node (100k registered identifiers) and, in the
# same run with the same load script, nginx serving the same JSON as a static file.
#   bench/run-node-load.sh [--count N] [--seconds S] [--rounds R] [--connections 64,5000]
# Markdown on stdout; figures in bench/results/node-load-latest.json. About 7 minutes (3 rounds).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}"
fi
# 5,000 connections need as many descriptors in wrk, the node and nginx: take the hard limit.
ulimit -n "$(ulimit -Hn)"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p idstation-node --bin idstation-node >&2
cargo build --release -q -p idstation-bench --bin node_load >&2
exec "$target/release/node_load" --node "$target/release/idstation-node" "$@"
