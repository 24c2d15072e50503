#!/bin/bash
# make bench-actors (docs/performance.md, "Actors"): herd's actors under a
# real herdd beside raw nng and a raw Unix socket, every case in one run
# so the figures are side by side.
# usage: bench/actors/run.sh [BUILD_DIR]     (default bench/.cache/build-actors)
# BUILD_DIR holds herdd, herdctl and libherd.a (built there when missing);
# the bench programs are built into BUILD_DIR/bench-actors. Writes
# bench/results/actors.csv (every figure of every run), actors.jsonl (the
# raw lines: bench/actors/stats.py report rebuilds the tables from them)
# and actors-machine.json ($BENCH_ACTORS_OUT for another dir), and prints
# the tables on stdout. Every process it starts is stopped by PID; its
# temp dir goes at the end. About 3 minutes.
set -eu
cd "$(dirname "$0")/../.."
B=${1:-bench/.cache/build-actors}
OUT=${BENCH_ACTORS_OUT:-bench/results}
CC=${CC:-cc}
QUIET_S=12  # herdctl's connection leaves timers in herdd for up to ~10 s
IDLE_S=10
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# ---- build ----
if [ ! -x "$B/herdd" ] || [ ! -x "$B/herdctl" ] || [ ! -f "$B/libherd.a" ]; then
	make -s --no-print-directory B="$B" build-all
fi
B=$(cd "$B" && pwd)
X=$B/bench-actors
mkdir -p "$X" "$OUT"
WFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror"
AFLAGS="-Iworker $(pkg-config --cflags libevent libcjson)"
ALIBS="$B/libherd.a $(pkg-config --libs libevent libcjson) -lnng -lpthread"
for p in nng-push nng-req unix-seqpacket; do
	# shellcheck disable=SC2086
	$CC $WFLAGS -O2 -g -o "$X/$p" "bench/actors/$p.c" -lnng -lpthread
done
for p in actor-sink actor-flood actor-rtt actor-idle; do
	# shellcheck disable=SC2086
	$CC $WFLAGS $AFLAGS -O2 -g -o "$X/$p" "bench/actors/$p.c" $ALIBS
done
# the other compiler must take them too (warnings are errors in both)
if command -v clang >/dev/null 2>&1 && [ "$($CC --version | head -c 5)" != clang ]; then
	for p in nng-push nng-req unix-seqpacket actor-sink actor-flood \
	    actor-rtt actor-idle; do
		# shellcheck disable=SC2086
		clang $WFLAGS $AFLAGS -fsyntax-only "bench/actors/$p.c"
	done
fi

# ---- processes and temp dir ----
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
T=$(mktemp -d /tmp/herd-bench-actors.XXXXXX)
STARTED=$T/started # "pid exe" of every process this run started
: >"$STARTED"
RAW=$T/raw.jsonl
: >"$RAW"
# track PID [EXE]: EXE defaults to what PID runs now
track() { printf '%s %s\n' "$1" "${2:-$(readlink "/proc/$1/exe" 2>/dev/null)}" >>"$STARTED"; }
cleanup() {
	set +e
	while read -r pid exe; do
		# only ours: the pid still runs the binary it ran when tracked
		if [ -n "$exe" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
			kill -KILL "$pid" 2>/dev/null
		fi
	done <"$STARTED"
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# rec CASE JSON [EXTRA_JSON_FIELDS]: one result line
rec() { printf '{"case":"%s","r":%s%s}\n' "$1" "$2" "${3:+,$3}" >>"$RAW"; }
# recfail CASE MESSAGE
recfail() {
	say "FAILED $1: $2"
	python3 -c 'import json,sys; print(json.dumps({"case":sys.argv[1],"error":sys.argv[2]}))' \
	    "$1" "$2" >>"$RAW"
}

python3 bench/actors/stats.py machine >"$T/machine.json"

# ---- herdd instances ----
# actor NAME EXTRA_JSON ARGV...: one child of type actor
actor() {
	local name=$1 extra=$2 argv="" a
	shift 2
	for a in "$@"; do argv="$argv${argv:+,}\"$a\""; done
	printf '{"name":"%s","type":"actor","command":[%s],"stdout":"null"%s}' \
	    "$name" "$argv" "${extra:+,$extra}"
}
# herd_up DIR CHILDREN LAST [PREFIX...]: writes DIR/herd.json, starts herdd
# (after PREFIX, e.g. taskset), waits until child LAST runs; sets HERDD,
# RUN and UP_S (launch to LAST running). 1 if it did not come up.
herd_up() {
	local dir=$1 kids=$2 last=$3 t0 i up
	shift 3
	mkdir -p "$dir"
	printf '{"run_dir":"%s/run","log_dir":"%s/log","supervisor":{"intensity":10,"children":[%s]}}\n' \
	    "$dir" "$dir" "$kids" >"$dir/herd.json"
	RUN=$dir/run
	t0=$(date +%s%N)
	"$@" "$B/herdd" -c "$dir/herd.json" >"$dir/herdd.log" 2>&1 &
	HERDD=$!
	track "$HERDD" "$B/herdd" # it may not have exec'd yet
	for i in $(seq 200); do
		"$B/herdctl" -r "$RUN" ping >/dev/null 2>&1 && break
		kill -0 "$HERDD" 2>/dev/null || break
		sleep 0.05
	done
	up=0
	"$B/herdctl" -r "$RUN" -t 300 wait "$last" --state running \
	    --timeout 300s >/dev/null 2>&1 || up=1
	UP_S=$(( ($(date +%s%N) - t0) / 1000000 ))
	UP_S=$(printf '%d.%03d' $((UP_S / 1000)) $((UP_S % 1000)))
	# the actors are ours too (herdd's children): tracked by PID, also
	# when not all came up
	ctl --json actors >"$dir/actors.json" 2>/dev/null || echo '{}' >"$dir/actors.json"
	python3 -c 'import json,sys
for a in json.load(open(sys.argv[1])).get("actors", []): print(a["pid"])' \
	    "$dir/actors.json" | while read -r p; do track "$p"; done
	return $up
}
ctl() { "$B/herdctl" -r "$RUN" -t 120 "$@"; }
call() { ctl call "$1" "$2" --timeout 120s; }
# herd_down DIR: orderly shutdown, then SIGKILL by PID whatever is left
herd_down() {
	local i
	ctl shutdown >/dev/null 2>&1 || true
	for i in $(seq 600); do
		kill -0 "$HERDD" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$HERDD" 2>/dev/null; then
		say "herdd $HERDD did not stop in 60 s: SIGKILL"
		kill -KILL "$HERDD"
	fi
	wait "$HERDD" 2>/dev/null || true
	cleanup_started_actors
}
cleanup_started_actors() {
	local pid exe
	while read -r pid exe; do
		case $exe in
		"$X"/actor-*)
			if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
				say "actor $pid outlived herdd: SIGKILL"
				kill -KILL "$pid" 2>/dev/null || true
			fi ;;
		esac
	done <"$STARTED"
}

# ---- 1 and 2: baselines and herd, interleaved ----
# Each round runs every case once, baselines and herd in turn, so the
# machine's ups and downs (a shared VM; which CPU each thread lands on)
# fall on all of them alike.
ROUNDS=${BENCH_ACTORS_ROUNDS:-5}

# base CASE REP PROGRAM ARGS...: a baseline program prints one JSON line
base() {
	local c=$1 rep=$2 out
	shift 2
	if out=$(timeout 120 "$@" 2>"$T/err"); then
		rec "$c" "$out" "\"rep\":$rep"
	else
		recfail "$c" "$(tail -n 3 "$T/err")"
	fi
}
# cast CASE REP SENDERS N SIZE MODE BURST: one run of casts to the sink
cast() {
	local c=$1 rep=$2 senders=$3 n=$4 size=$5 mode=$6 burst=$7 s out st
	if ! out=$(call sink "{\"senders\":[$senders],\"n\":$n,\"size\":$size,\"to\":\"sink\",\"mode\":\"$mode\",\"burst\":$burst}" 2>"$T/err"); then
		recfail "$c" "$out $(cat "$T/err")"
		return 0
	fi
	st=""
	for s in $(echo "$senders" | tr -d '"' | tr , ' '); do
		st="$st${st:+,}$(call "$s" '"stats"' 2>/dev/null || echo null)"
	done
	rec "$c" "$out" "\"rep\":$rep,\"senders\":[$st]"
}
# rtt CASE REP JSON: round trips made by the caller actor
rtt() {
	local out
	if out=$(call caller "$3" 2>"$T/err"); then
		rec "$1" "$out" "\"rep\":$2"
	else
		recfail "$1" "$out $(cat "$T/err")"
	fi
}
RTT='"n":20000,"warm":2000,"size":64'

say "herd: casts and calls under herdd, beside the baselines ($ROUNDS rounds)"
KIDS=$(actor sink "" "$X/actor-sink")
SENDERS8=""
for i in 0 1 2 3 4 5 6 7; do
	KIDS="$KIDS,$(actor "s$i" "" "$X/actor-flood")"
	SENDERS8="$SENDERS8${SENDERS8:+,}\"s$i\""
done
KIDS="$KIDS,$(actor nm0 "" "$X/actor-flood"),$(actor echo "" "$X/actor-rtt" echo),$(actor caller "" "$X/actor-rtt" caller)"
D=$T/casts
if herd_up "$D" "$KIDS" caller; then
	# a fresh sender's first cast by name (whereis + connect), once
	cast herd.cast.name.first 1 '"nm0"' 1000000 64 name 1000
	# a name the caller never sends to stays uncached: each whereis asks herdd
	rtt herd.whereis 1 '{"peer":"sink","n":2000,"warm":100,"mode":"whereis"}'
	HERD_OK=1
else
	recfail herd.cast "herdd did not bring the actors up: $(tail -n 5 "$D/herdd.log")"
	HERD_OK=0
fi
for r in $(seq $ROUNDS); do
	say "round $r of $ROUNDS"
	base nng.push.64 "$r" "$X/nng-push" "ipc://$T/push.sock" 100000 64
	base unix.flood.64 "$r" "$X/unix-seqpacket" flood 2000000 64
	base nng.push.64.batch745 "$r" "$X/nng-push" "ipc://$T/push.sock" 10000000 64 745
	base nng.push.4096 "$r" "$X/nng-push" "ipc://$T/push.sock" 50000 4096
	base unix.flood.4096 "$r" "$X/unix-seqpacket" flood 500000 4096
	if [ "$HERD_OK" = 1 ]; then
		# by id and by name from the same sender, so only the lookup differs
		cast herd.cast.id.64 "$r" '"s0"' 10000000 64 id 1000
		cast herd.cast.name.64 "$r" '"s0"' 10000000 64 name 1000
		cast herd.cast.id.4096 "$r" '"s1"' 500000 4096 id 1000
		cast herd.cast.id.64.x8 "$r" "$SENDERS8" 1250000 64 id 1000
		cast herd.cast.id.64.burst1 "$r" '"s2"' 500000 64 id 1
		cast herd.cast.name.64.burst1 "$r" '"s2"' 500000 64 name 1
	fi
	base nng.req.64 "$r" "$X/nng-req" "ipc://$T/req.sock" 20000 2000 64
	base unix.rtt.64 "$r" "$X/unix-seqpacket" rtt 20000 2000 64
	if [ "$HERD_OK" = 1 ]; then
		rtt herd.call.id.64 "$r" "{\"peer\":\"echo\",$RTT,\"mode\":\"id\"}"
		rtt herd.call.name.64 "$r" "{\"peer\":\"echo\",$RTT,\"mode\":\"name\"}"
	fi
done
herd_down "$D"

# the round trips again with every process on CPU 0: no cross-CPU wake-up
say "round trips with every process on CPU 0"
D=$T/cpu0
if herd_up "$D" "$(actor echo "" "$X/actor-rtt" echo),$(actor caller "" "$X/actor-rtt" caller)" caller taskset -c 0; then
	HERD_OK=1
else
	recfail herd.call.id.64.cpu0 "herdd did not come up: $(tail -n 5 "$D/herdd.log")"
	HERD_OK=0
fi
for r in 1 2 3; do
	base nng.req.64.cpu0 "$r" taskset -c 0 "$X/nng-req" "ipc://$T/req.sock" 20000 2000 64
	base unix.rtt.64.cpu0 "$r" taskset -c 0 "$X/unix-seqpacket" rtt 20000 2000 64
	if [ "$HERD_OK" = 1 ]; then
		rtt herd.call.id.64.cpu0 "$r" "{\"peer\":\"echo\",$RTT,\"mode\":\"id\"}"
	fi
done
herd_down "$D"

# ---- 3. idle actors, and liveness checks ----
# idle CASE N EXTRA: N idle actors; wake-ups in the QUIET_S after start-up
# (settling) and in the IDLE_S after that (the figure)
idle() {
	local c=$1 n=$2 extra=$3 kids="" i up last
	for i in $(seq 0 $((n - 1))); do
		kids="$kids${kids:+,}$(actor "a$i" "\"stderr\":\"null\",\"shutdown\":\"brutal_kill\"$extra" "$X/actor-idle")"
	done
	D=$T/$c
	say "herd: $n idle actors${extra:+ ($extra)}"
	if herd_up "$D" "$kids" "a$((n - 1))"; then
		up=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["actors"]))' "$D/actors.json")
		python3 bench/actors/stats.py snap "$D/s0.json" "$HERDD" "$D/actors.json" --mem
		sleep "$QUIET_S"
		python3 bench/actors/stats.py snap "$D/s1.json" "$HERDD" "$D/actors.json"
		sleep "$IDLE_S"
		python3 bench/actors/stats.py snap "$D/s2.json" "$HERDD" "$D/actors.json"
		rec "$c" "$(python3 bench/actors/stats.py wake "$D/s0.json" "$D/s1.json" "$D/s2.json")" \
		    "\"asked\":$n,\"up\":$up,\"up_s\":$UP_S,\"nofile\":\"$(ulimit -n)/$(ulimit -Hn)\""
	else
		last=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("actors", [])))' "$D/actors.json" || echo '?')
		recfail "$c" "$last of $n actors came up; herdd: $(tail -n 5 "$D/herdd.log" | tr '\n' ' ')"
	fi
	herd_down "$D"
}
idle herd.idle.1000 1000 ""
idle herd.liveness.100 100 ',"liveness_ms":1000'

# ---- the results ----
cp "$T/machine.json" "$OUT/actors-machine.json"
cp "$RAW" "$OUT/actors.jsonl"
python3 bench/actors/stats.py report "$RAW" "$OUT/actors-machine.json" "$OUT/actors.csv"
say "wrote $OUT/actors.csv, actors.jsonl (raw; stats.py report reads it) and actors-machine.json"
