#!/bin/sh
# scripts/fuzz.sh TARGET MINUTES [SEED]: run one fuzz target (json5, dotenv,
# check) for MINUTES on the stable toolchain, at the lowest priority. Findings
# are saved under fuzz/out/TARGET/ (crash-N, leak-N, slow-N); exit 1 if any.
# `scripts/fuzz.sh list` names the targets.
set -eu
cd "$(dirname "$0")/../fuzz"
if [ "${1:-}" = "" ] || [ "${1:-}" = "list" ]; then
    grep -o 'name: "[a-z0-9_]*"' src/main.rs | cut -d'"' -f2
    exit 0
fi
target=$1
minutes=${2:-10}
cargo build --release --quiet
exec nice -n 19 ./target/release/clawfence-fuzz "$target" "$((minutes * 60))" ${3:+"$3"}
