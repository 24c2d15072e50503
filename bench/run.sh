#!/bin/sh
# make bench / make bench-quick: peers, tools, the run, the report.
# usage: bench/run.sh [--quick] BUILD_DIR
# BUILD_DIR holds herdd and herdctl (the Makefile builds them there, apart
# from build/, so a make clean elsewhere cannot pull them from under a run).
set -eu
quick=""
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
B=${1:?usage: bench/run.sh [--quick] BUILD_DIR}
cd "$(dirname "$0")/.."
./bench/setup.sh
mkdir -p "$B/bench"
for t in restart bareloop; do
	${CC:-cc} -O2 -Wall -Wextra -Werror -o "$B/bench/$t" "bench/$t.c"
done
# The stamp is linked statically: every supervisor's restart includes the
# child's exec, and the dynamic loader alone costs ~0.2 ms of it here
# (measured: exec to main 0.61 ms dynamic, 0.41 ms static, p50).
${CC:-cc} -O2 -Wall -Wextra -Werror -static -o "$B/bench/stamp" bench/stamp.c ||
	${CC:-cc} -O2 -Wall -Wextra -Werror -o "$B/bench/stamp" bench/stamp.c
if [ -n "$quick" ]; then limit=300; else limit=1500; fi
# Bounded: the run stops itself (and every process it started) at the limit.
timeout -s TERM -k 30 $limit python3 bench/bench.py $quick --build "$B"
python3 bench/report.py $quick
