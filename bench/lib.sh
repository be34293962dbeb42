# What the benchmark scripts share, sourced from the repository's root: the work
# folder WORK (BENCH_DIR, default /tmp/auditgraph-bench), the release binary BIN
# (built here), synthetic estates, the median of numbers on standard input, and a
# command's wall time and peak memory under /usr/bin/time -v.

WORK=${BENCH_DIR:-/tmp/auditgraph-bench}
mkdir -p "$WORK"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/auditgraph

# The synthetic estate of $1 assets (seed 1) at $WORK/estate-$1, written once.
estate() {
    [ -d "$WORK/estate-$1" ] || "$BIN" synth --assets "$1" --seed 1 -o "$WORK/estate-$1" > /dev/null
}

# The estate of $1 assets and its snapshot at $WORK/snap-$1.json, each written once.
estate_and_snapshot() {
    estate "$1"
    [ -f "$WORK/snap-$1.json" ] || "$BIN" scan "$WORK/estate-$1" --out "$WORK/snap-$1.json" --no-history > /dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Runs a command under /usr/bin/time -v; prints "wall_seconds peak_kb" and keeps stderr in $WORK/last.err.
measure() {
    /usr/bin/time -v "$@" > /dev/null 2> "$WORK/last.err"
    local wall peak
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$WORK/last.err")
    peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/last.err")
    echo "$wall $peak"
}
