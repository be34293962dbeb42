#!/usr/bin/env bash
# Benchmarks what goes to auditors on synthetic estates (default 100,000 assets):
# the evidence pack (`evidence --out`) and the HTML report (`report -o`), wall time
# and peak memory (medians of RUNS runs), their size, and how long Debian's headless
# Chromium takes to open the report and run its script (`--dump-dom`) and to open
# and paint it (`--screenshot`). Alone:
#
#   bash bench/evidence.sh
#   SIZES="10000 100000" RUNS=5 bash bench/evidence.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-100000}
RUNS=${RUNS:-3}
source bench/lib.sh

echo "| assets | output | files | size | wall (median of $RUNS) | peak RSS |"
echo "|---:|---|---:|---:|---:|---:|"
for n in $SIZES; do
    estate_and_snapshot "$n"
    for output in pack report; do
        walls=(); peaks=()
        for _ in $(seq "$RUNS"); do
            # The pack without a history store (`scan --no-history`): bench/run.sh measures the history.
            case $output in
                pack) args=(evidence "$WORK/snap-$n.json" --out "$WORK/pack-$n") ;;
                report) args=(report "$WORK/snap-$n.json" -o "$WORK/report-$n.html") ;;
            esac
            read -r wall peak < <(cd "$WORK" && AUDITGRAPH_HISTORY= measure "$BIN" "${args[@]}")
            walls+=("$wall"); peaks+=("$peak")
        done
        case $output in
            pack) files=$(find "$WORK/pack-$n" -type f | wc -l); size=$(du -sm "$WORK/pack-$n" | cut -f1) ;;
            report) files=1; size=$(( $(stat -c %s "$WORK/report-$n.html") / 1000000 )) ;;
        esac
        printf "| %s | %s | %s | %s MB | %s s | %s MB |\n" "$n" "$output" "$files" "$size" \
            "$(printf '%s\n' "${walls[@]}" | median)" "$(( $(printf '%s\n' "${peaks[@]}" | median | cut -d. -f1) / 1024 ))"
    done
    # The browser: from start to the DOM after the page's script ran.
    profile=$(mktemp -d)
    start=$(date +%s.%N)
    timeout 300 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --user-data-dir="$profile" --dump-dom "file://$WORK/report-$n.html" > "$WORK/report-$n.dom" 2> /dev/null
    end=$(date +%s.%N)
    rm -rf "$profile"
    ready=$(grep -c 'data-ready="true"' "$WORK/report-$n.dom" || true)
    rows=$(grep -o 'rows 1–50 of [0-9]*' "$WORK/report-$n.dom" | head -1)
    printf "| %s | report in Chromium (--dump-dom) | | | %.2f s | script ran: %s, %s |\n" "$n" "$(awk "BEGIN {print $end - $start}")" \
        "$([ "$ready" -gt 0 ] && echo yes || echo no)" "$rows"
    # Opened and painted, without writing the 50 MB DOM back out: what a reader waits for.
    profile=$(mktemp -d)
    start=$(date +%s.%N)
    timeout 300 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --user-data-dir="$profile" --window-size=1280,2000 --screenshot="$WORK/report-$n.png" "file://$WORK/report-$n.html" > /dev/null 2>&1
    end=$(date +%s.%N)
    rm -rf "$profile"
    printf "| %s | report in Chromium (--screenshot) | | | %.2f s | %s |\n" "$n" "$(awk "BEGIN {print $end - $start}")" "$WORK/report-$n.png"
done
