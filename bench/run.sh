#!/usr/bin/env bash
# Benchmarks the engine on synthetic estates: `scan` end to end (with each stage's
# time from --timings) at 10k, 100k and 1M assets, and every diagram view of 2,000-
# and 5,000-asset estates, whole and paged (bench/diagrams.sh). Wall time and peak memory come
# from /usr/bin/time -v; each figure is the median of RUNS runs.
#
#   bash bench/run.sh                 # all sizes
#   SIZES="10000 100000" bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000 1000000"}
RUNS=${RUNS:-3}
source bench/lib.sh

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m); date: $(date -u +%Y-%m-%d)"
echo
echo "| assets | read | build graph | analyse | controls | write snapshot | scan wall (median of $RUNS) | peak RSS |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
    estate "$n"
    estate="$WORK/estate-$n"
    walls=(); peaks=(); declare -A stage=()
    for _ in $(seq "$RUNS"); do
        # The previous run's snapshot is removed and goes to disk first, so neither its
        # write-back nor ext4's flush of a file written over another is timed here:
        # `scan` without --out writes a new file each time (bench/README.md).
        rm -f "$WORK/snap-$n.json"
        sync
        read -r wall peak < <(measure "$BIN" scan "$estate" --timings --out "$WORK/snap-$n.json" --no-history)
        walls+=("$wall"); peaks+=("$peak")
        while read -r name secs; do stage[$name]+="$secs "; done < <(
            awk '/^timing:/ {secs=$(NF-1); $1=""; $(NF)=""; $(NF-1)=""; gsub(/^ +| +$/, ""); gsub(/ /, "_"); print $0, secs}' "$WORK/last.err")
    done
    med() { tr ' ' '\n' <<< "${stage[$1]:-}" | grep . | median; }
    snapshot=$(med write_snapshot)
    printf "| %s | %s s | %s s | %s s | %s s | %s s | %s s | %s MB |\n" "$n" "$(med read_inventories)" "$(med build_graph)" \
        "$(med 'analyse_(reachability,_access)')" "$(med evaluate_controls)" "$snapshot" \
        "$(printf '%s\n' "${walls[@]}" | median)" "$(( $(printf '%s\n' "${peaks[@]}" | median | cut -d. -f1) / 1024 ))"
    unset stage
done

echo
SIZES="2000 5000" RUNS="$RUNS" BENCH_DIR="$WORK" bash bench/diagrams.sh
