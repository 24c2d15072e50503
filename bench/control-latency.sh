#!/bin/sh
# Control latency: `herdctl status --json` against herdd with N children
# (default 1000), CALLS times (default 50), then the status of one child
# and ping; prints p50/p99 in ms.
# usage: bench/control-latency.sh [N] [CALLS] [BUILD_DIR]
set -eu
N=${1:-1000}
CALLS=${2:-50}
B=${3:-build}
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/herd-bench.XXXXXX)
{
	printf '{"run_dir":"%s/run","log_dir":"%s/log","supervisor":{"children":[' "$dir" "$dir"
	i=0
	while [ $i -lt "$N" ]; do
		[ $i -gt 0 ] && printf ','
		printf '{"name":"c%d","command":["sleep","infinity"],"stdout":"null","stderr":"null","shutdown":"brutal_kill"}' $i
		i=$((i + 1))
	done
	printf ']}}\n'
} > "$dir/herd.json"
"$B/herdd" -c "$dir/herd.json" 2> "$dir/herdd.log" &
hpid=$!
i=0 # the control socket appears a moment after herdd starts
until "$B/herdctl" -r "$dir/run" ping > /dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "herdd did not answer" >&2; exit 1; }
	sleep 0.1
done
"$B/herdctl" -r "$dir/run" -t 60 wait c$((N - 1)) --state running --timeout 60s > /dev/null
python3 - "$B/herdctl" "$dir/run" "$CALLS" "$N" <<'PY'
import subprocess, sys, time
herdctl, run, calls, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lat = []
for _ in range(calls):
    t0 = time.monotonic()
    out = subprocess.run([herdctl, "-r", run, "status", "--json"], capture_output=True, check=True).stdout
    lat.append((time.monotonic() - t0) * 1000)
    assert out.count(b'"path"') == n, "status did not list every child"
lat.sort()
print("children=%d calls=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f bytes=%d" % (n, calls, lat[len(lat)//2], lat[min(len(lat)-1, (len(lat)*99)//100)], lat[-1], len(out)))
# status of one child, and ping, the floor of any call (issue 12, item 24)
for name, argv in (("status-one", ["status", "--json", "c%d" % (n // 2)]), ("ping", ["ping"])):
    lat = []
    for _ in range(calls):
        t0 = time.monotonic()
        subprocess.run([herdctl, "-r", run] + argv, capture_output=True, check=True)
        lat.append((time.monotonic() - t0) * 1000)
    lat.sort()
    print("%s children=%d calls=%d p50_ms=%.2f p99_ms=%.2f" % (name, n, calls, lat[len(lat)//2], lat[min(len(lat)-1, (len(lat)*99)//100)]))
PY
"$B/herdctl" -r "$dir/run" shutdown > /dev/null
wait $hpid
rm -rf "$dir"
