#!/usr/bin/env bash
# Benchmarks `auditgraph scan --aws` against moto's AWS server on 127.0.0.1: seeds a
# larger estate (STACKS copies of a small application: subnet, security groups, two
# instances with root volumes, a data volume, plus a bucket and a user each, over two
# regions), then times the scan RUNS times. Reports wall time, API requests made and
# peak memory (/usr/bin/time -v), medians. moto is stopped by PID on exit.
#
#   bash bench/aws.sh                  # STACKS=400 RUNS=3
#   STACKS=1000 CONCURRENCY=64 bash bench/aws.sh
set -euo pipefail
cd "$(dirname "$0")/.."

STACKS=${STACKS:-400}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-32}
WORK=${BENCH_DIR:-/tmp/auditgraph-bench-aws}
mkdir -p "$WORK"

[ -x .venv/bin/moto_server ] || { echo "moto is not installed: run bash tests/run.sh once (it installs it into .venv)" >&2; exit 1; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/auditgraph

PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false \
    .venv/bin/moto_server -H 127.0.0.1 -p "$PORT" > "$WORK/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
ENDPOINT=http://127.0.0.1:$PORT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

seed_start=$(date +%s.%N)
.venv/bin/python tests/aws_seed.py "$ENDPOINT" bulk "$STACKS" > /dev/null
seed_secs=$(echo "$(date +%s.%N) - $seed_start" | bc)

source bench/lib.sh

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
walls=(); peaks=(); requests=(); cpus=()
for _ in $(seq "$RUNS"); do
    rm -rf "$WORK/inv"
    /usr/bin/time -v "$BIN" scan --aws --endpoint-url "$ENDPOINT" --regions us-east-1,eu-west-1 \
        --concurrency "$CONCURRENCY" --save-inventory "$WORK/inv" --out "$WORK/snap.json" --no-history > /dev/null 2> "$WORK/last.err"
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$WORK/last.err")")
    peaks+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/last.err")")
    cpus+=("$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$WORK/last.err")")
    requests+=("$(sed -n 's/.* with \([0-9]*\) API requests.*/\1/p' "$WORK/last.err")")
done
assets=$(.venv/bin/python -c 'import json,glob; print(sum(len(json.load(open(f))["assets"]) for f in glob.glob("'"$WORK"'/inv/*.json")))')

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); date: $(date -u +%Y-%m-%d); moto $(.venv/bin/pip show moto 2>/dev/null | awk '/^Version/ {print $2}')"
echo "seeded $STACKS stacks in ${seed_secs%.*} s"
echo
echo "| stacks | assets read | API requests | scan --aws wall (median of $RUNS) | auditgraph CPU (user+sys) | peak RSS | concurrency |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
printf "| %s | %s | %s | %s s | %s s | %s MB | %s |\n" "$STACKS" "$assets" "$(printf '%s\n' "${requests[@]}" | median)" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
    "$(( $(printf '%s\n' "${peaks[@]}" | median | cut -d. -f1) / 1024 ))" "$CONCURRENCY"
