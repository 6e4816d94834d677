#!/usr/bin/env bash
# Fuzzes with libFuzzer for SECS seconds (default 600) one target, or every target in turn:
#
#   parse_identifier  identifiers as scanned or typed
#   render_label      label templates with instrument fields, through every output format
#   node_http         the node's HTTP surface: Handle API PUT bodies and query strings, Basic-auth
#                     and token headers, the resolver path, sync push/pull/snapshot/status
#   sync_pull         the station applying what a node answers: push results, pull and snapshot
#                     pages, leases, report figures
#   import_table      instrument lists to import: CSV (UTF-8, GB18030), JSON, JSON lines, XLSX, XLS
#   printer_status    printer status answers: Zebra ~HS, TSC <ESC>!?
#   restore_backup    files offered to restore, to a station and to the node
#
# Usage: [FUZZ_SEED=N] bench/fuzz.sh [SECS] [TARGET|all]; a seed replays the same inputs. `all`
# builds every target with one `cargo fuzz build` (the dependencies compile once), then runs each
# for SECS seconds and prints its final stats (runs, exec/s); a crash prints its panic and stops.
# Each target's corpus is fuzz/corpus/<target> (not committed), seeded from fuzz/seeds/<target>
# (committed; a crash found becomes a seed there and a regression test in its crate).
#
# Built without AddressSanitizer and with 16 codegen units: the code is safe Rust (the bundled
# SQLite's C is not instrumented either way), panics, overflows (debug assertions are on),
# timeouts and memory blow-ups are what the targets find, and the build is what CI pays for.
# cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP lets the one stable toolchain here take them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
target="${2:-parse_identifier}"
targets=(parse_identifier render_label node_http sync_pull import_table printer_status restore_backup)
build=(-s none --codegen-units 16)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

run() {
  local t="$1"
  mkdir -p "corpus/$t"
  if [ -d "seeds/$t" ]; then cp "seeds/$t"/* "corpus/$t/"; fi
  # Structured inputs (templates, requests, files, answers): whole-size inputs from the start,
  # not libFuzzer's slow growth from 4 bytes. Rendering a large label takes a while: a slow
  # input is a finding only past 10 s.
  local extra=()
  case "$t" in
    render_label) extra=(-len_control=0 -max_len=2048) ;;
    node_http | sync_pull | import_table | restore_backup) extra=(-len_control=0) ;;
  esac
  # The targets' data folders (stations, nodes, backups): in memory when it can, gone after.
  local scratch
  scratch=$(mktemp -d -p /dev/shm idstation-fuzz.XXXXXX 2>/dev/null || mktemp -d)
  local status=0
  IDSTATION_FUZZ_SCRATCH="$scratch" cargo fuzz run "${build[@]}" "$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    ${FUZZ_SEED:+-seed="$FUZZ_SEED"} "${extra[@]}" ||
    status=$?
  rm -rf "$scratch"
  return "$status"
}

if [ "$target" != all ]; then
  run "$target"
  exit
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cargo fuzz build "${build[@]}" >"$log" 2>&1; then
  tail -n 40 "$log"
  exit 1
fi
tail -n 1 "$log"
for t in "${targets[@]}"; do
  echo "== $t"
  if run "$t" >"$log" 2>&1; then
    # Its final stats: coverage, corpus, exec/s; runs and seconds.
    grep -a -E '^#[0-9]+[[:space:]]+DONE|^Done ' "$log" || tail -n 3 "$log"
  else
    # The panic and where, then libFuzzer's account of the input.
    grep -a -A 12 "panicked at" "$log" | head -n 30 || true
    tail -n 20 "$log"
    exit 1
  fi
done
