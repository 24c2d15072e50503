#!/bin/sh
# Runs herdd with examples/demo.json in the foreground. Ctrl-C stops the
# fleet (every child is stopped, in reverse order) and herdd.
set -e
B=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p /tmp/herd-demo
cat <<MSG
herdd is starting the demo fleet (examples/demo.json). In another shell:
  $B/herdctl -r /tmp/herd-demo/run status
  $B/herdctl -r /tmp/herd-demo/run events
  $B/herdctl -r /tmp/herd-demo/run tree
  $B/herdctl -r /tmp/herd-demo/run restart --force api/cache   # rest_for_one: web and jobs keep running
  $B/herdctl -r /tmp/herd-demo/run signal pipeline/reader KILL   # one_for_all restarts the group
  $B/herdctl -r /tmp/herd-demo/run shutdown
Logs are in /tmp/herd-demo/log. Ctrl-C stops everything.
MSG
exec "$B/herdd" -c examples/demo.json
