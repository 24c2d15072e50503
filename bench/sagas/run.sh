#!/bin/bash
# make bench-sagas (docs/performance.md, "Sagas"): herd's two-phase
# commit over three durable long-lived participants beside a plain
# write+fdatasync loop on the same disk, in one run, so the figures are
# side by side: one client (one decision per sync), 64 concurrent
# clients (group commit), one phase for comparison, a worker process
# started per job (bounded by fork+exec), and a step saga of three
# commands beside the same three commands run from a shell.
# usage: bench/sagas/run.sh [BUILD_DIR] [SECONDS]  (default
# bench/.cache/build-sagas, 10). Writes bench/results/sagas.jsonl and
# prints it. Its dir is under bench/.cache (the disk, not a tmpfs); every
# process it starts is stopped by PID; the dir goes at the end.
set -eu
cd "$(dirname "$0")/../.."
B=${1:-bench/.cache/build-sagas}
S=${2:-10}
OUT=${BENCH_SAGAS_OUT:-bench/results}
CC=${CC:-cc}
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

if [ ! -x "$B/herdd" ] || [ ! -x "$B/herd-sagad" ] || [ ! -f "$B/libherd.a" ]; then
	make -s --no-print-directory B="$B" build-all
fi
B=$(cd "$B" && pwd)
X=$B/bench-sagas
mkdir -p "$X" "$OUT" bench/.cache
W="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter"
$CC $W -O2 -o "$X/fsync-loop" bench/sagas/fsync-loop.c
$CC $W -O2 -o "$X/tx-load" bench/sagas/tx-load.c -lnng -lpthread
# shellcheck disable=SC2046
$CC $W -O2 -Iworker $(pkg-config --cflags libevent libcjson) -o "$X/fan" \
    bench/sagas/fan.c "$B/libherd.a" $(pkg-config --libs libevent libcjson) \
    -lnng -lpthread

T=$(mktemp -d "$PWD/bench/.cache/sagas.XXXXXX")
HERDD=
cleanup() {
	set +e
	[ -n "$HERDD" ] && "$B/herdctl" -r "$T/run" shutdown >/dev/null 2>&1
	[ -n "$HERDD" ] && { kill -0 "$HERDD" 2>/dev/null && sleep 2; \
	    kill -KILL "$HERDD" 2>/dev/null; }
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

part() {
	printf '{"name":"%s","type":"actor","command":["%s/fan","part","%s/%s.journal"]}' \
	    "$1" "$X" "$T" "$1"
}
cat >"$T/herd.json" <<JSON
{ "run_dir": "$T/run", "log_dir": "$T/log",
  "sagas": { "steps3": { "steps": [
    { "name": "a", "action": { "command": ["/bin/true"] } },
    { "name": "b", "action": { "command": ["/bin/true"] } },
    { "name": "c", "action": { "command": ["/bin/true"] } } ] } },
  "supervisor": { "intensity": 10, "period_ms": 10000, "children": [
    { "name": "sagad", "type": "actor", "command": ["$B/herd-sagad", "$T/coord.journal", "$T/herd.json"] },
    { "name": "fan", "type": "actor", "command": ["$X/fan", "saga"] },
    $(part p1), $(part p2), $(part p3),
    { "name": "jobs", "type": "supervisor", "strategy": "simple_one_for_one",
      "intensity": 1000, "period_ms": 1000, "children": [
        { "name": "part", "type": "actor", "restart": "transient",
          "command": ["$X/fan", "part", "$T/job.journal"] } ] } ] } }
JSON
"$B/herdd" -c "$T/herd.json" >"$T/herdd.log" 2>&1 &
HERDD=$!
"$B/herdctl" -r "$T/run" -t 10000 wait p3 --state running --timeout 10s \
    >/dev/null 2>&1 || { sleep 1; "$B/herdctl" -r "$T/run" wait p3 \
    --state running --timeout 10s >/dev/null; }
RAW=$OUT/sagas.jsonl
: >"$RAW"
V='{"workers":["p1","p2","p3"]}'
say "fsync loop"
"$X/fsync-loop" "$T" 5000 | tee -a "$RAW"
for c in "1 1" "64 1" "64 0"; do
	set -- $c
	say "tx: $1 clients, two_phase $2, ${S}s"
	"$X/tx-load" "$T/run" fan "$1" "$S" "$2" "$V" | tee -a "$RAW"
done
say "tx: a worker process per job (3 per TX), 4 clients, two_phase, ${S}s"
"$X/tx-load" "$T/run" fan 4 "$S" 1 '{"workers":["jobs","jobs","jobs"]}' |
    sed 's/"case":"tx"/"case":"tx-per-job"/' | tee -a "$RAW"
say "step saga: 3 steps of /bin/true, 1 client, ${S}s; then the same from a shell"
"$X/tx-load" "$T/run" steps3 1 "$S" 0 '{}' |
    sed 's/"case":"tx"/"case":"step-saga"/' | tee -a "$RAW"
n=2000
t0=$(date +%s%N)
for _ in $(seq "$n"); do /bin/true; /bin/true; /bin/true; done
t1=$(date +%s%N)
printf '{"case":"shell-3-commands","n":%d,"per_s":%d,"mean_us":%d}\n' "$n" \
    $((n * 1000000000 / (t1 - t0))) $(((t1 - t0) / n / 1000)) | tee -a "$RAW"
say "coordinator after the run"
"$B/herdctl" -r "$T/run" inspect sagad | sed 's/^/  /' >&2
"$B/herdctl" -r "$T/run" inspect p1 | sed 's/^/  /' >&2
