#!/bin/sh
# Runs herdd with examples/demo.json in the foreground. Ctrl-C stops the
# fleet (every child is stopped, in reverse order) and herdd. Its run_dir
# and log_dir are in the build dir, not in a shared /tmp (docs/security.md).
set -e
B=${1:-build}
cd "$(dirname "$0")/.."
D=$B/demo
cat <<MSG
herdd is starting the demo fleet (examples/demo.json). In another shell:
  $B/herdctl -r $D/run status
  $B/herdctl -r $D/run events
  $B/herdctl -r $D/run tree
  $B/herdctl -r $D/run restart api/cache           # rest_for_one: web and jobs keep running
  $B/herdctl -r $D/run signal pipeline/reader KILL   # one_for_all restarts the group
  $B/herdctl -r $D/run call counter '{"op":"incr","by":2}'   # an actor
  $B/herdctl -r $D/run call pair/worker '{"op":"crash"}'     # its link takes pair/buddy along
  $B/herdctl -r $D/run inspect pair/watcher                 # ... and its monitor saw it
  $B/herdctl -r $D/run call kv/store '{"op":"put","k":"a","v":1}'  # answered once on disk
  $B/herdctl -r $D/run call kv/store '{"op":"get","k":"a"}'
  $B/herdctl -r $D/run call ping '{"op":"run","n":10000}' --timeout 60s  # round trips
  $B/herdctl -r $D/run tx start bank/transfer \
      '{"from":"bank/alice","to":"bank/bob","amount":10}' --two-phase --wait  # 2PC
  $B/herdctl -r $D/run call bank/bob '{}'                  # its balance, on disk
  $B/herdctl -r $D/run tx start order '{"item":"book","card":"declined"}' --wait
  cat $D/orders.log                                       # reserved, then released
  $B/herdctl -r $D/run top                                  # live, q quits
  curl http://\$(cat $D/run/http.addr)/metrics               # Prometheus
  xdg-open http://\$(cat $D/run/http.addr)/                  # the status page
  $B/herdctl -r $D/run shutdown
Logs are in $D/log. Ctrl-C stops everything.
MSG
exec "$B/herdd" -c examples/demo.json --run-dir "$D/run" --log-dir "$D/log"
