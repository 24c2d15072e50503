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
  $B/herdctl -r /tmp/herd-demo/run restart api/cache
  kill -9 \$($B/herdctl -r /tmp/herd-demo/run status --json | python3 -c 'import json,sys; print([c["pid"] for c in json.load(sys.stdin)["children"] if c["path"]=="pipeline/reader"][0])')
  $B/herdctl -r /tmp/herd-demo/run shutdown
Logs are in /tmp/herd-demo/log. Ctrl-C stops everything.
MSG
exec "$B/herdd" -c examples/demo.json
