#!/bin/sh
# Runs every libFuzzer target in BUILD/fuzz for SECONDS each, from its
# seed corpus in tests/fuzz/corpus/NAME (new inputs go to BUILD/fuzz/
# corpus-NAME, never into the repo), and prints the executions of each
# and the total. Exits 1 at the first crash or leak; the input that did
# it is left in BUILD/fuzz/ (crash-*, leak-*): make it a test case.
# usage: scripts/fuzz.sh BUILD SECONDS
set -eu
B=$1
S=$2
total=0
ROOT=$(pwd)
for t in "$B"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz_}
	work="$B/fuzz/corpus-$name"
	mkdir -p "$work"
	log="$B/fuzz/$name.log"
	if ! (cd "$B/fuzz" && "./fuzz_$name" -max_total_time="$S" \
	    -print_final_stats=1 -timeout=10 -rss_limit_mb=1024 \
	    "corpus-$name" "$ROOT/tests/fuzz/corpus/$name") >"$log" 2>&1
	then
		tail -40 "$log"
		echo "fuzz: $name FAILED (log: $log)"
		exit 1
	fi
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "fuzz: $name: ${n:-?} execs in ${S}s, no crash, no leak"
	total=$((total + ${n:-0}))
done
echo "fuzz: total $total execs"
