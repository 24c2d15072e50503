#!/bin/sh
# Restart latency of herdd: N children (default 100) under one_for_one,
# SAMPLES (default 200) kill -9s, each timed to the replacement's exec.
# usage: bench/restart-latency.sh [N] [SAMPLES] [BUILD_DIR]
# (make bench runs the side-by-side suite: bench/bench.py)
set -eu
N=${1:-100}
SAMPLES=${2:-200}
B=${3:-build}
cd "$(dirname "$0")/.."
cc -O2 -static -o "$B/bench-stamp" bench/stamp.c ||
	cc -O2 -o "$B/bench-stamp" bench/stamp.c
cc -O2 -o "$B/bench-restart" bench/restart.c
dir=$(mktemp -d /tmp/herd-bench.XXXXXX)
mkfifo "$dir/stamps"
exec 3<>"$dir/stamps" # keep the FIFO open for the children
stamp=$(realpath "$B/bench-stamp")
{
	printf '{"run_dir":"%s/run","log_dir":"%s/log","supervisor":{' "$dir" "$dir"
	printf '"strategy":"one_for_one","intensity":1000000,"period_ms":1000,"children":['
	i=0
	while [ $i -lt "$N" ]; do
		[ $i -gt 0 ] && printf ','
		printf '{"name":"c%d","command":["%s","%s/stamps"],"stdout":"null","stderr":"null","shutdown":"brutal_kill"}' \
		    $i "$stamp" "$dir"
		i=$((i + 1))
	done
	printf ']}}\n'
} > "$dir/herd.json"
"$B/herdd" -c "$dir/herd.json" 2> "$dir/herdd.log" &
hpid=$!
"$B/bench-restart" -n "$N" -s "$SAMPLES" -o "$dir/samples.csv" "$dir/stamps"
"$B/herdctl" -r "$dir/run" shutdown > /dev/null
wait $hpid
exec 3<&-
rm -rf "$dir"
