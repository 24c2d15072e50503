#!/bin/sh
# Prints docs/herdctl.md from herdctl's own help texts, so the page and
# `herdctl --help` cannot drift apart (tests/test_docs.sh compares them).
# usage: scripts/herdctl-doc.sh [HERDCTL]
set -eu
H=${1:-build/herdctl}
cat <<'HEAD'
# herdctl — control herdd

This page holds exactly what `herdctl --help` and `herdctl help COMMAND`
print (the text lives in `ctl/cmd-help.c` and each `ctl/cmd-<name>.c`;
change both together). The wire protocol is in [protocol.md](protocol.md).

```
HEAD
"$H" --help
echo '```'
"$H" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' | while read -r cmd; do
	printf '\n## %s\n\n```\n' "$cmd"
	"$H" help "$cmd"
	echo '```'
done
