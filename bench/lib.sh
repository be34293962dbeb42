# What the benchmark scripts share: the median of numbers on standard input, and a
# command's wall time and peak memory under /usr/bin/time -v. Sourced, with WORK set.

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Runs a command under /usr/bin/time -v; prints "wall_seconds peak_kb" and keeps stderr in $WORK/last.err.
measure() {
    /usr/bin/time -v "$@" > /dev/null 2> "$WORK/last.err"
    local wall peak
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$WORK/last.err")
    peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/last.err")
    echo "$wall $peak"
}
