#!/usr/bin/env bash
# Compares two auditgraph binaries on one estate, alternating them so that the shared
# host's noise falls on both alike: each run's wall time, peak RSS and --timings stages,
# then the medians of each binary.
#
#   bash bench/ab.sh OLD_BINARY NEW_BINARY ESTATE_DIR [PAIRS]
#   (an estate: auditgraph synth --assets 1000000 --seed 1 -o /tmp/estate-1m)
set -euo pipefail
old=$1; new=$2; estate=$3; pairs=${4:-5}
# QUERIES: another controls folder (both binaries must know its functions).
queries=${QUERIES:-"$(cd "$(dirname "$0")/.." && pwd)/queries"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

echo "| run | binary | wall | peak RSS | read | build | analyse | controls | write |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for i in $(seq "$pairs"); do
    for side in old new; do
        bin=${!side}
        # The scan alone is timed: a binary that keeps a history is told not to.
        no_history=(); "$bin" scan --help | grep -q -- --no-history && no_history=(--no-history)
        # Each run writes a new snapshot after the previous one reached the disk (bench/README.md).
        rm -f "$work/snap.json"
        sync
        /usr/bin/time -f "TIME %e %M" "$bin" scan "$estate" --queries "$queries" --timings --out "$work/snap.json" "${no_history[@]}" \
            > /dev/null 2> "$work/err"
        read -r wall peak < <(awk '/^TIME/ {print $2, $3}' "$work/err")
        stages=$(awk '/^timing:/ {printf "%s ", $(NF-1)}' "$work/err")
        read -r r b a c w _ <<< "$stages"
        echo "$side $wall $peak $r $b $a $c $w" >> "$work/runs"
        printf "| %s | %s | %s s | %s MB | %s | %s | %s | %s | %s |\n" "$i" "$side" "$wall" "$((peak / 1024))" "$r" "$b" "$a" "$c" "$w"
    done
done
echo
echo "| medians | wall | peak RSS | read | build | analyse | controls | write |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for side in old new; do
    col() { awk -v s="$side" -v c="$1" '$1 == s {print $c}' "$work/runs" | median; }
    printf "| %s | %s s | %s MB | %s | %s | %s | %s | %s |\n" "$side" "$(col 2)" "$(( $(col 3 | cut -d. -f1) / 1024 ))" \
        "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)" "$(col 8)"
done
