#!/usr/bin/env bash
# Escrow export of a large node (annex 4): 1M identifiers registered through a workstation and
# one sync, then `idstation-node escrow export` while the node serves, timed with its peak RSS,
# and `escrow verify` against the running node. Then the backup-during-push test at 100k ops.
#   bench/run-escrow.sh [--count N]
# Markdown on stdout; figures in bench/results/escrow-latest.json. About 5 minutes on 2 cores.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if [ ! -x /usr/bin/time ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq time
fi
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p idstation-node --bin idstation-node >&2
cargo build --release -q -p idstation-bench --bin escrow_bench >&2
"$target/release/escrow_bench" --node "$target/release/idstation-node" "$@"
echo
echo "Backup while a workstation pushes 100,000 ops, restore, continue (release build):"
IDSTATION_BACKUP_OPS=100000 cargo test --release -q -p idstation-node --test backup_restore 2>&1 | tail -3
