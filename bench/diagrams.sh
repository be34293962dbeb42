#!/usr/bin/env bash
# Benchmarks the diagrams on synthetic estates (default 2,000 and 5,000 assets):
# for every view, drawn whole and with a page budget (--max-nodes, default 60):
# how many diagrams, the nodes of the largest, the pixel size of the largest PNG
# (drawn once), and the wall time and peak memory of drawing them all as SVG (DOT,
# then `dot -Tsvg` per diagram; medians of RUNS runs). Run by bench/run.sh, or alone:
#
#   bash bench/diagrams.sh
#   SIZES=5000 MAX_NODES=80 bash bench/diagrams.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"2000 5000"}
RUNS=${RUNS:-3}
MAX_NODES=${MAX_NODES:-60}
source bench/lib.sh

# Width x height of a PNG, from its header.
png_size() { python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%d x %d" % struct.unpack(">II", d[16:24]))' "$1"; }

echo "| assets | view | budget | diagrams | nodes of the largest | largest PNG (px) | wall, all diagrams as SVG (median of $RUNS) | peak RSS |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
    estate_and_snapshot "$n"
    for view in network exposure boundary iam; do
        for budget in none "$MAX_NODES"; do
            out="$WORK/diagrams-$n-$view-$budget"
            args=(diagram "$WORK/snap-$n.json" --view "$view")
            [ "$budget" = none ] || args+=(--max-nodes "$budget")
            walls=(); peaks=()
            for _ in $(seq "$RUNS"); do
                rm -rf "$out" && mkdir -p "$out"
                read -r wall peak < <(measure "$BIN" "${args[@]}" -o "$out/$view.svg")
                walls+=("$wall"); peaks+=("$peak")
            done
            "$BIN" "${args[@]}" -o "$out/$view.dot" 2> /dev/null
            "$BIN" "${args[@]}" -o "$out/$view.png" 2> /dev/null
            count=$(find "$out" -name '*.png' | wc -l)
            nodes=$(for f in "$out"/*.dot; do grep -c '\[id="n' "$f"; done | sort -n | tail -1)
            largest=$(for f in "$out"/*.png; do python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); w,h=struct.unpack(">II", d[16:24]); print(w*h, sys.argv[1])' "$f"; done | sort -n | tail -1 | cut -d' ' -f2)
            printf "| %s | %s | %s | %s | %s | %s | %s s | %s MB |\n" "$n" "$view" "$budget" "$count" "$nodes" "$(png_size "$largest")" \
                "$(printf '%s\n' "${walls[@]}" | median)" "$(( $(printf '%s\n' "${peaks[@]}" | median | cut -d. -f1) / 1024 ))"
        done
    done
done
