#!/bin/sh
# herd under a real systemd: boots Debian's systemd as PID 1 in a container
# (debootstrap + systemd-nspawn), installs herd into it with `make install`,
# and checks herd.service there: active (running) with herd's STATUS text,
# `systemd-analyze verify` of the installed units, `systemctl reload`, the
# watchdog catching a herdd whose loop is stopped (SIGSTOP), and that
# `systemctl stop` leaves no process of the fleet. docs/systemd.md has more.
#
# usage: scripts/systemd-test.sh [BUILD_DIR]      (run by `make systemd-test`)
#
# Needs root. The container's root (Debian bookworm, variant minbase, with
# systemd, dbus, man-db, procps and herd's runtime libraries) is built once
# with debootstrap, about a minute, into build/systemd-root/root-bookworm-KEY,
# KEY a hash of the package list. Each run copies it (into TMPDIR, default
# /var/tmp: a few seconds), installs herd there and boots the copy (half a
# second). `make clean` removes the cache; logs are in
# build/systemd-root/logs/.
#
# Environment:
#   MAKE                     make program (default make)
#   HERD_DEBIAN_MIRROR       Debian mirror for debootstrap (default: the
#                            bookworm entry of /etc/apt/sources.list{,.d},
#                            else http://deb.debian.org/debian)
#   HERD_SYSTEMD_TEST_STRICT=1  a SKIP (below) fails instead
#   HERD_SYSTEMD_TEST_KEEP=1    keep the container's root after the run
#
# Exit status: 0 when every check passed, or on SKIP; 1 otherwise. SKIP
# (exit 0, "SKIP: reason") only when the test cannot run on this machine at
# all: not Linux, not root, namespaces cannot be created (an unprivileged
# container), or no cgroup hierarchy where we may create a cgroup. Anything
# else that goes wrong, debootstrap and booting included, is a failure.
set -u

B=${1:-build}
MAKE=${MAKE:-make}
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
SUITE=bookworm
VARIANT=minbase
# Bump when the way the root is made changes (invalidates the cache).
RECIPE=1
ROOTS=$TOP/build/systemd-root
NAME=herd-systemd-test-$$
# WatchdogSec for the test (a drop-in); herdd pings at half of it.
WDOG=2

T0=$(date +%s%N)
fails=0
passes=0
NSPAWN=
LEADER=
CG_DIRS=
RUN=
TMPD=

note() { echo "systemd-test: $*"; }
elapsed() { echo $((($(date +%s%N) - ${1:-$T0}) / 1000000)); }
pass() {
	passes=$((passes + 1))
	echo "systemd-test: PASS $*"
}
fail() {
	fails=$((fails + 1))
	echo "systemd-test: FAIL $*"
}
skip() {
	if [ "${HERD_SYSTEMD_TEST_STRICT:-}" = 1 ]; then
		echo "systemd-test: FAIL (HERD_SYSTEMD_TEST_STRICT=1): cannot run here: $*"
		exit 1
	fi
	echo "systemd-test: SKIP: $*"
	exit 0
}
# Indents a file (or stdin) under a message.
show() { sed 's/^/    /' "$@"; }

# ---- can it run here at all? ----
[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn and debootstrap); run: sudo make systemd-test"
HERD_DEPS_EXTRA="debootstrap systemd-container procps" ./scripts/deps.sh || {
	fail "deps: cannot install debootstrap and systemd-container"
	exit 1
}
unshare --mount --uts --ipc --net --pid --fork true 2>/dev/null ||
    skip "cannot create namespaces (an unprivileged container?): systemd-nspawn cannot run here"

# The cgroup hierarchies systemd-nspawn uses: the unified one (cgroup2) and,
# on a legacy or hybrid host, the named one, name=systemd. Prints the mount
# point of the hierarchy: $1 is the file system type, $2 a super option it
# must have (or "").
cg_mount() {
	awk -v t="$1" -v o="$2" '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) != t) next
		if (o != "" && ("," $(i + 3) ",") !~ ("," o ",")) next
		print $5; exit
	}' /proc/self/mountinfo
}
# Our private cgroup, one per hierarchy, below the cgroup we run in:
# nspawn --keep-unit puts itself in its supervisor/ and the container in its
# payload/ sub-cgroups, which it leaves behind (removed at exit).
while IFS=: read -r id ctrl path; do
	mnt=
	case "$ctrl" in
	"") [ "$id" = 0 ] && mnt=$(cg_mount cgroup2 "") ;;
	name=systemd) mnt=$(cg_mount cgroup name=systemd) ;;
	esac
	[ -n "$mnt" ] && [ -d "$mnt" ] || continue
	CG_DIRS="$CG_DIRS ${mnt}${path%/}/$NAME"
done </proc/self/cgroup
[ -n "$CG_DIRS" ] || skip "no cgroup2 or name=systemd hierarchy in /proc/self/cgroup"
for d in $CG_DIRS; do
	mkdir "$d" 2>/dev/null && rmdir "$d" ||
	    skip "cannot create a cgroup ($d): cgroups are read-only here"
done

# ---- teardown, always ----
# Kills what is left in our private cgroups and removes them, deepest
# first (nspawn leaves empty supervisor/ and payload/ ones behind).
cg_cleanup() {
	for d in $CG_DIRS; do
		[ -d "$d" ] || continue
		i=0
		while [ -d "$d" ] && [ $i -lt 50 ]; do
			find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null |
			    while read -r p; do kill -KILL "$p" 2>/dev/null; done
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$d" ] && sleep 0.1
			i=$((i + 1))
		done
		if [ -d "$d" ]; then
			fail "teardown: cannot remove cgroup $d"
		fi
	done
}
# Waits up to $2 seconds for process $1 to end.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}
teardown() {
	trap - EXIT INT TERM HUP
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
		t=$(date +%s%N)
		if [ -n "$LEADER" ]; then
			cx systemctl poweroff --no-block >/dev/null 2>&1
		fi
		if wait_gone "$NSPAWN" 30; then
			note "container powered off in $(elapsed "$t") ms"
		else
			fail "teardown: the container did not power off within 30 s; killing it"
			kill -TERM "$NSPAWN" 2>/dev/null
			wait_gone "$NSPAWN" 5 || {
				[ -n "$LEADER" ] && kill -KILL "$LEADER" 2>/dev/null
				kill -KILL "$NSPAWN" 2>/dev/null
				wait_gone "$NSPAWN" 5
			}
		fi
	fi
	[ -n "$NSPAWN" ] && wait "$NSPAWN" 2>/dev/null
	cg_cleanup
	if [ -n "$TMPD" ] && [ -d "$TMPD" ]; then
		if [ "${HERD_SYSTEMD_TEST_KEEP:-}" = 1 ]; then
			note "kept the container's root: $RUN (its journal: journalctl -D $RUN/var/log/journal)"
		else
			rm -rf "$TMPD"
		fi
	fi
	note "$passes passed, $fails failed, $(elapsed) ms in all"
	[ "$fails" -eq 0 ]
	exit $?
}
trap teardown EXIT
trap 'fail "interrupted"; exit 1' INT TERM HUP

# Runs a command inside the running container (its PID 1's namespaces),
# killed after $CX_T seconds (default 30).
cx() {
	timeout -k 2 "${CX_T:-30}" nsenter -t "$LEADER" -m -u -i -n -p -- "$@"
}

# ---- the root: debootstrap once, cached by its package list ----
LOGS=$ROOTS/logs
mkdir -p "$ROOTS" "$LOGS" || exit 1
exec 9>"$ROOTS/.lock"
flock -w 900 9 || {
	fail "another systemd-test holds $ROOTS/.lock"
	exit 1
}

# herd's runtime libraries: the Debian packages holding what herdd and
# herdctl link (libc6 is in minbase).
note "building herd ($B)"
if ! $MAKE --no-print-directory all B="$B" >"$LOGS/build.log" 2>&1; then
	show "$LOGS/build.log"
	fail "make all failed"
	exit 1
fi
libpkgs=$(ldd "$B/herdd" "$B/herdctl" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
    sort -u | while read -r f; do dpkg -S "$(readlink -f "$f")" 2>/dev/null; done |
    sed 's/:.*//' | tr ', ' '\n\n' | grep -v '^libc6$' | grep . | sort -u | tr '\n' ,)
[ -n "$libpkgs" ] || libpkgs="libevent-2.1-7,libcjson1,libnng1,"
PKGS="systemd,systemd-sysv,dbus,procps,man-db,${libpkgs%,}"
KEY=$(printf '%s\n' "$RECIPE" "$SUITE" "$VARIANT" "$(dpkg --print-architecture)" \
    "$PKGS" | sha256sum | cut -c1-16)
BASE=$ROOTS/root-$SUITE-$KEY

# The Debian mirror apt already uses for $SUITE (one-line or deb822 sources).
debian_mirror() {
	if [ -n "${HERD_DEBIAN_MIRROR:-}" ]; then
		echo "$HERD_DEBIAN_MIRROR"
		return
	fi
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			awk -v s="$SUITE" '$1 == "deb" {
				i = 2
				if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) == s) print $i
			}' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			awk -v s="$SUITE" 'BEGIN { RS = "" } {
				types = uris = suites = ""; on = 1
				n = split($0, l, "\n")
				for (j = 1; j <= n; j++) {
					if (l[j] ~ /^#/) continue
					k = tolower(l[j]); sub(/:.*/, "", k)
					v = l[j]; sub(/^[^:]*:[ \t]*/, "", v)
					if (k == "types") types = " " v " "
					else if (k == "uris") uris = v
					else if (k == "suites") suites = " " v " "
					else if (k == "enabled" && tolower(v) == "no") on = 0
				}
				if (on && types ~ / deb / && suites ~ (" " s " ")) {
					split(uris, u, /[ \t]+/); print u[1]
				}
			}' "$f"
		done
	} | grep -m1 . || echo http://deb.debian.org/debian
}

if [ -f "$BASE/.herd-root-ok" ]; then
	note "root: cached $BASE"
else
	MIRROR=$(debian_mirror)
	MIRROR=${MIRROR%/}
	# Only one root is kept: older package lists go.
	rm -rf "$ROOTS"/root-* "$ROOTS"/tmp.*
	KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$KEYRING" ] || KEYRING=
	note "root: debootstrap --variant=$VARIANT --include=$PKGS $SUITE $MIRROR (about a minute)"
	t=$(date +%s%N)
	tmp=$ROOTS/tmp.$$
	if ! debootstrap --variant=$VARIANT --include="$PKGS" \
	    ${KEYRING:+--keyring=$KEYRING} "$SUITE" "$tmp" "$MIRROR" \
	    >"$LOGS/debootstrap.log" 2>&1; then
		tail -n 30 "$LOGS/debootstrap.log" | show
		rm -rf "$tmp"
		fail "debootstrap failed (log: $LOGS/debootstrap.log)"
		exit 1
	fi
	rm -f "$tmp"/var/cache/apt/archives/*.deb
	touch "$tmp/.herd-root-ok"
	mv "$tmp" "$BASE" || exit 1
	note "root: built $BASE in $(elapsed "$t") ms"
fi

# ---- a fresh copy, with herd installed, configured and enabled ----
# In TMPDIR (default /var/tmp): on this project's CI machines creating the
# 9,000 files is several times faster there than below the source tree.
# Copies a killed run left behind go (their PID is in the name), unless a
# container still runs from one.
TMPB=${TMPDIR:-/var/tmp}
for d in "$TMPB"/herd-systemd-test.*.*; do
	[ -d "$d" ] || continue
	p=${d#"$TMPB"/herd-systemd-test.}
	p=${p%%.*}
	kill -0 "$p" 2>/dev/null || pgrep -f "nspawn.* -D $d/root" >/dev/null ||
	    rm -rf "$d"
done
TMPD=$(mktemp -d "$TMPB/herd-systemd-test.$$.XXXXXX") || exit 1
RUN=$TMPD/root
t=$(date +%s%N)
cp -a "$BASE" "$RUN" || {
	fail "cannot copy $BASE"
	exit 1
}
rm -f "$RUN/.herd-root-ok"
if ! $MAKE --no-print-directory install DESTDIR="$RUN" PREFIX=/usr \
    B="$B" >"$LOGS/install.log" 2>&1; then
	show "$LOGS/install.log"
	fail "make install DESTDIR=$RUN PREFIX=/usr failed"
	exit 1
fi
chroot "$RUN" ldconfig
# A persistent journal, to read after the run with HERD_SYSTEMD_TEST_KEEP=1:
# journalctl -D ROOT/var/log/journal
mkdir -p "$RUN/var/log/journal"

# The fleet: a few sleeps (each with its own argument, to find them), one
# as nobody, a nested supervisor, and children ready by notify (Debian's
# systemd-notify) and by fd. fleet_json N writes it with N extra children.
FLEET=7
fleet_json() {
	cat <<EOF
{
  "run_dir": "/run/herd",
  "log_dir": "/var/log/herd",
  "supervisor": {
    "strategy": "one_for_one",
    "intensity": 5,
    "period_ms": 10000,
    "children": [
      { "name": "sleep1", "command": ["/bin/sleep", "1000001"] },
      { "name": "sleep2", "command": ["/bin/sleep", "1000002"], "user": "nobody",
        "shutdown": 2000 },
      { "name": "notified", "command": "systemd-notify --ready; exec sleep 1000003",
        "ready": "notify", "ready_timeout_ms": 20000 },
      { "name": "fdready", "command": "echo >&3; exec sleep 1000004",
        "ready": "fd", "ready_timeout_ms": 20000 },
      { "name": "pair", "type": "supervisor", "strategy": "one_for_all",
        "children": [
          { "name": "a", "command": ["/bin/sleep", "1000005"] },
          { "name": "b", "command": "exec sleep 1000006" }
        ] },
      { "name": "last", "command": ["/bin/sleep", "1000007"] }$1
    ]
  }
}
EOF
}
ADDED=',
      { "name": "added", "command": ["/bin/sleep", "1000008"] }'
mkdir -p "$RUN/etc/herd"
fleet_json "" >"$RUN/etc/herd/herd.json"
mkdir -p "$RUN/etc/systemd/system/herd.service.d"
cat >"$RUN/etc/systemd/system/herd.service.d/systemd-test.conf" <<EOF
# make systemd-test: a short watchdog, to see it fire.
[Service]
WatchdogSec=${WDOG}s
EOF
if ! systemctl --root="$RUN" enable herd.service >"$LOGS/enable.log" 2>&1; then
	show "$LOGS/enable.log"
	fail "systemctl --root enable herd.service failed"
	exit 1
fi
if ! out=$(chroot "$RUN" /usr/sbin/herdd --version 2>&1) ||
    ! out=$(chroot "$RUN" /usr/sbin/herdd -c /etc/herd/herd.json --check 2>&1); then
	echo "$out" | show
	fail "herdd does not run in the container's root (a missing library?)"
	exit 1
fi
note "root: $RUN ready in $(elapsed "$t") ms (herd installed, herd.service enabled)"

# ---- boot ----
# A private cgroup for nspawn, one per hierarchy; the shell that execs
# nspawn moves itself there, this script stays where it is.
for d in $CG_DIRS; do
	mkdir "$d" || {
		fail "cannot create the cgroup $d"
		exit 1
	}
done
t=$(date +%s%N)
sh -c 'for d in $0; do echo $$ >"$d/cgroup.procs" || exit 97; done; exec "$@"' \
    "$CG_DIRS" systemd-nspawn --quiet --keep-unit --register=no \
    --console=pipe --private-network -M "$NAME" -b -D "$RUN" \
    </dev/null >"$LOGS/console.log" 2>&1 &
NSPAWN=$!
# The container's PID 1: nspawn's child once it runs systemd.
i=0
while [ $i -lt 300 ]; do
	kill -0 "$NSPAWN" 2>/dev/null || break
	for p in $(pgrep -P "$NSPAWN"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = systemd ] && LEADER=$p
	done
	[ -n "$LEADER" ] && break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$LEADER" ]; then
	show "$LOGS/console.log"
	fail "boot: systemd-nspawn did not start systemd in the container"
	exit 1
fi
# is-system-running --wait blocks until the boot is done (herd.service
# included: it is Type=notify), once systemd answers at all; 90 s at most.
end=$(($(date +%s) + 90))
state=
while [ "$(date +%s)" -lt $end ] && kill -0 "$NSPAWN" 2>/dev/null; do
	state=$(CX_T=$((end - $(date +%s) + 1)) cx systemctl is-system-running --wait 2>/dev/null)
	case "$state" in running | degraded | maintenance | stopping | offline) break ;; esac
	sleep 0.25
done
case "$state" in
running)
	pass "boot: systemd is up in $(elapsed "$t") ms (state running)"
	;;
degraded)
	pass "boot: systemd is up in $(elapsed "$t") ms (state degraded)"
	cx systemctl --failed --no-pager --no-legend | show
	;;
*)
	show "$LOGS/console.log"
	fail "boot: systemd did not finish booting (state '$state')"
	exit 1
	;;
esac

prop() { cx systemctl show -p "$1" --value herd.service; }
# Polls "$@" (a command) every 0.2 s until it succeeds or $DL seconds pass.
poll() {
	_end=$(($(date +%s) + DL))
	while ! "$@"; do
		[ "$(date +%s)" -lt $_end ] || return 1
		sleep 0.2
	done
}
journal() { cx journalctl -q --no-pager -u herd.service "$@"; }
# The sleep processes of a fleet as "PID ARGS" lines (PIDs in the
# container): herd.service's sleep 100000N, herd@extra's 200000N.
fleet_procs() {
	cx ps -eo pid=,args= | awk -v f="^${1:-1}00000[0-9]\$" \
	    '($2 == "sleep" || $2 == "/bin/sleep") && $3 ~ f'
}
herdctl() { cx herdctl -r /run/herd "$@"; }
# Every worker of the fleet running ($1 of them), in herdctl and STATUS=.
fleet_up() {
	[ "$(prop ActiveState)/$(prop SubState)" = active/running ] &&
	    [ "$(prop StatusText)" = "$1/$1 children running" ] &&
	    [ "$(herdctl status 2>/dev/null | awk 'NR > 1 && $2 == "running" && $3 ~ /^[0-9]+$/' |
		wc -l)" -eq "$1" ]
}

# ---- 1. systemctl status: active (running) with herd's STATUS text ----
cx systemctl status --no-pager -n 0 herd.service >"$LOGS/status.txt" 2>&1
st=$(prop StatusText)
if grep -q 'Active: active (running)' "$LOGS/status.txt" &&
    grep -q "Status: \"$FLEET/$FLEET children running\"" "$LOGS/status.txt" &&
    [ "$st" = "$FLEET/$FLEET children running" ]; then
	pass "status: active (running), Status: \"$st\" (systemctl status and StatusText)"
else
	show "$LOGS/status.txt"
	journal -n 30 | show
	fail "status: want active (running) and \"$FLEET/$FLEET children running\"; StatusText is '$st'"
fi
if fleet_up "$FLEET"; then
	pass "status: herdctl shows all $FLEET workers running, each with a pid"
else
	herdctl status 2>&1 | show
	fail "status: herdctl does not show $FLEET running workers"
fi
# Each child in a cgroup of its own, below herd.service's (cgroup.c):
# .../herd.service/herd-HASH/PATH@N in the cgroup2 hierarchy.
unit_cg=$(prop ControlGroup)
notown=
for pid in $(fleet_procs | awk '{print $1}'); do
	c=$(cx cat "/proc/$pid/cgroup" 2>/dev/null | sed -n 's/^0:://p')
	case $c in
	*"$unit_cg"/herd-*/*@*) ;; # the host's path too: no cgroup namespace
	*) notown="$notown $pid:${c:-?}" ;;
	esac
done
if [ -n "$notown" ] || [ -z "$unit_cg" ]; then
	journal -o cat | grep -m3 cgroup | show
	fail "cgroups: fleet sleeps not each in a cgroup below $unit_cg/herd-*:$notown"
else
	pass "cgroups: each of the $(fleet_procs | wc -l) fleet sleeps is in its own cgroup below $unit_cg/herd-*"
fi
# ---- 2. systemd-analyze verify of the installed units ----
if out=$(CX_T=60 cx systemd-analyze verify /lib/systemd/system/herd.service \
    /lib/systemd/system/herd@check.service 2>&1) && [ -z "$out" ]; then
	pass "verify: systemd-analyze verify herd.service herd@check.service: clean"
else
	echo "$out" | show
	fail "verify: systemd-analyze verify failed or warned"
fi

# ---- 3. systemctl reload applies a changed config ----
fleet_json "$ADDED" >"$RUN/etc/herd/herd.json"
t=$(date +%s%N)
if out=$(CX_T=60 cx systemctl reload herd.service 2>&1); then
	if DL=10 poll fleet_up $((FLEET + 1)) &&
	    herdctl status added 2>/dev/null | grep -q ' running '; then
		pass "reload: systemctl reload added a child in $(elapsed "$t") ms; StatusText '$(prop StatusText)'"
	else
		herdctl status 2>&1 | show
		fail "reload: exit 0, but the added child is not running ($(prop StatusText))"
	fi
else
	echo "$out" | show
	journal -n 20 | show
	fail "reload: systemctl reload herd failed"
fi
# An invalid file: the reload fails and says why; the fleet runs on.
echo '{ "supervisor": { "children": [ { "name": "x" } ] } }' >"$RUN/etc/herd/herd.json"
cursor=$(journal -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
if CX_T=60 cx systemctl reload herd.service >/dev/null 2>&1; then
	fail "reload: systemctl reload of an invalid config exited 0"
elif fleet_up $((FLEET + 1)); then
	why=$(journal -o cat --after-cursor="$cursor" | grep -m1 'herd.json' | cut -c1-120)
	pass "reload: an invalid config fails the reload (journal: '$why'); herd runs on, active (running)"
else
	fail "reload: after a failed reload herd is $(prop ActiveState)/$(prop SubState), '$(prop StatusText)'"
fi
# herdd's lines reach the journal with their priorities: SIGHUP with the
# invalid file makes herdd log warnings (<4>), its start was info (<6>);
# no raw <N> prefix and no timestamp is left in the text.
main=$(prop MainPID)
cx kill -HUP "$main"
warned() { journal -o cat -p warning..warning _PID="$main" | grep -q 'nothing changed'; }
if DL=10 poll warned; then
	jl=$(journal -o cat _PID="$main")
	if echo "$jl" | grep -qE '^<[0-7]>|^[0-9]{4}-[0-9]{2}-[0-9]{2}'; then
		echo "$jl" | show
		fail "journal: herdd's lines start with a raw <N> prefix or a timestamp"
	elif ! journal -o cat -p info..info _PID="$main" | grep -q 'starting'; then
		echo "$jl" | show
		fail "journal: herdd's start line is not at priority info"
	else
		pass "journal: herdd's lines carry their priorities (SIGHUP with a bad file: warning '$(journal -o cat -p warning..warning _PID="$main" | tail -n 1)'; start: info)"
	fi
else
	journal -o verbose _PID="$main" | grep -E 'PRIORITY|MESSAGE' | show
	fail "journal: no warning-priority 'nothing changed' from herdd after SIGHUP with an invalid file"
fi
fleet_json "$ADDED" >"$RUN/etc/herd/herd.json"
FLEET=$((FLEET + 1))
CX_T=60 cx systemctl reload herd.service >/dev/null 2>&1 ||
	fail "reload: the valid config again: systemctl reload failed"

# A child with a cgroup limit (cgroup-ctl.c): where the container's
# cgroups have the pids controller (v1 or cgroup2), its cgroup has the
# limit; where they do not, the reload is refused, saying so, and the
# fleet runs on.
fleet_json "$ADDED,
      { \"name\": \"capped\", \"command\": [\"/bin/sleep\", \"1000009\"],
        \"cgroup\": { \"pids_max\": 7 } }" >"$RUN/etc/herd/herd.json"
cursor=$(journal -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
if CX_T=60 cx systemctl reload herd.service >/dev/null 2>&1 &&
    DL=10 poll fleet_up $((FLEET + 1)); then
	pid=$(herdctl status capped 2>/dev/null | awk '$1 == "capped" {print $3}')
	cg=$(cx cat "/proc/$pid/cgroup" 2>/dev/null)
	rel=$(echo "$cg" | sed -n 's/^[0-9]*:pids:\(.*\)/\1/p')
	if [ -n "$rel" ]; then
		f=/sys/fs/cgroup/pids$rel/pids.max
	else
		rel=$(echo "$cg" | sed -n 's/^0:://p')
		f=$(cx sh -c "for m in /sys/fs/cgroup/unified /sys/fs/cgroup; do [ -f \$m$rel/pids.max ] && echo \$m$rel/pids.max && break; done")
	fi
	if [ -n "$f" ] && [ "$(cx cat "$f" 2>/dev/null)" = 7 ]; then
		pass "cgroup limits: capped runs with pids.max 7 ($f)"
	else
		echo "$cg" | show
		fail "cgroup limits: capped (pid $pid) has no pids.max of 7 (${f:-no pids.max found})"
	fi
elif why=$(journal -o cat --after-cursor="$cursor" |
    grep -m1 'needs the pids controller, which herdd cannot use here'); then
	if fleet_up "$FLEET"; then
		pass "cgroup limits: refused where the controller is missing ('$(echo "$why" | cut -c1-150)'); the fleet runs on"
	else
		fail "cgroup limits: after the refused reload the fleet is not up"
	fi
else
	journal -n 20 | show
	fail "cgroup limits: the reload neither applied pids_max nor said why not"
fi
fleet_json "$ADDED" >"$RUN/etc/herd/herd.json"
CX_T=60 cx systemctl reload herd.service >/dev/null 2>&1 ||
	fail "cgroup limits: the config without capped: systemctl reload failed"
DL=10 poll fleet_up "$FLEET" || fail "cgroup limits: the fleet is not back to $FLEET"

# ---- 4. the watchdog catches a stopped herdd ----
old=$(prop MainPID)
oldfleet=$(fleet_procs | awk '{print $1}' | sort -n | tr '\n' ' ')
cursor=$(journal -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
t=$(date +%s%N)
cx kill -STOP "$old"
new_main() {
	m=$(prop MainPID)
	[ "$m" != 0 ] && [ "$m" != "$old" ] && fleet_up "$FLEET"
}
# The watchdog fires within WatchdogSec; systemd sends SIGABRT (and
# SIGCONT), SIGKILL after TimeoutAbortSec (15 s) at worst, then restarts
# herd after RestartSec (1 s).
if DL=$((4 * WDOG + 15 + 10)) poll new_main; then
	wl=$(journal -o cat --after-cursor="$cursor")
	how=$(echo "$wl" | grep -m1 'Main process exited' | sed 's/.*Main process exited, //')
	left=
	for p in $oldfleet; do
		fleet_procs | awk '{print $1}' | grep -qx "$p" && left="$left $p"
	done
	if ! echo "$wl" | grep -q 'Watchdog timeout'; then
		echo "$wl" | show
		fail "watchdog: herdd was replaced, but the journal has no 'Watchdog timeout'"
	elif [ -n "$left" ]; then
		fail "watchdog: processes of the old fleet still run:$left"
	else
		pass "watchdog: stopped herdd (pid $old) caught, $how; new herdd (pid $(prop MainPID)) has the fleet back ($(prop StatusText)) after $(elapsed "$t") ms; the old fleet is gone"
		echo "$wl" | grep -E 'Watchdog|Killing|Main process|Failed with|Scheduled restart' | show
	fi
else
	journal -o short-monotonic --after-cursor="$cursor" | show
	cx kill -CONT "$old" 2>/dev/null
	fail "watchdog: no new herdd with the fleet within $((4 * WDOG + 25)) s (MainPID $(prop MainPID), $(prop ActiveState)/$(prop SubState))"
fi

# ---- 5. herd@extra.service: a second, independent fleet ----
# It runs beside herd.service with its own run_dir /run/herd/extra (made by
# systemd below herd.service's /run/herd) and log_dir /var/log/herd/extra.
cat >"$RUN/etc/herd/extra.json" <<EOF
{ "supervisor": { "children": [
  { "name": "x1", "command": ["/bin/sleep", "2000001"] },
  { "name": "x2", "command": "systemd-notify --ready; exec sleep 2000002", "ready": "notify" }
] } }
EOF
t=$(date +%s%N)
st=
if ! out=$(CX_T=60 cx systemctl start herd@extra.service 2>&1); then
	echo "$out" | show
	cx journalctl -q --no-pager -u herd@extra.service | show
	fail "herd@: systemctl start herd@extra failed"
elif st=$(cx systemctl show -p StatusText --value herd@extra.service) &&
    [ "$st" = "2/2 children running" ] &&
    [ "$(cx herdctl -r /run/herd/extra status 2>/dev/null | grep -c ' running ')" -eq 2 ] &&
    [ "$(fleet_procs 2 | wc -l)" -eq 2 ] && fleet_up "$FLEET" &&
    cx test -d /var/log/herd/extra; then
	pass "herd@: herd@extra started in $(elapsed "$t") ms beside herd.service ('$st', herdctl -r /run/herd/extra, logs in /var/log/herd/extra)"
else
	cx systemctl status --no-pager herd@extra.service | show
	fail "herd@: herd@extra is not running its 2 children beside herd.service (StatusText '$st')"
fi

# ---- 6. systemctl stop leaves no process of the fleet ----
cg=$(prop ControlGroup)
# The unit's cgroup as the container sees it, in whichever hierarchy it has.
cgdirs=
for h in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
	if cx test -f "$h$cg/cgroup.procs"; then cgdirs="$cgdirs $h$cg"; fi
done
before=$(fleet_procs | wc -l)
nbefore=0
for d in $cgdirs; do
	nbefore=$(cx cat "$d/cgroup.procs" | wc -l)
	break
done
cursor=$(journal -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
t=$(date +%s%N)
if ! out=$(CX_T=150 cx systemctl stop herd.service 2>&1); then
	echo "$out" | show
	fail "stop: systemctl stop herd failed"
fi
ms=$(elapsed "$t")
after=$(fleet_procs)
cgleft=
for d in $cgdirs; do
	if cx test -d "$d"; then
		n=$(cx cat "$d/cgroup.procs" 2>/dev/null | wc -l)
		[ "$n" -eq 0 ] || cgleft="$cgleft $d ($n processes)"
	fi
done
state="$(prop ActiveState)/$(prop Result)"
if [ -z "$cg" ] || [ -z "$cgdirs" ]; then
	fail "stop: cannot find herd.service's cgroup (ControlGroup '$cg')"
elif [ -n "$after" ] || [ -n "$cgleft" ]; then
	echo "$after" | show
	fail "stop: processes are left:${cgleft:- fleet sleeps}"
elif [ "$state" != inactive/success ]; then
	journal -o cat --after-cursor="$cursor" | show
	fail "stop: herd.service is $state after the stop, not inactive/success"
else
	pass "stop: systemctl stop took $ms ms; of $before fleet sleeps ($nbefore processes in $cg) none is left, the cgroup is gone or empty, inactive/success"
fi
# herdd stopped its whole tree itself: systemd had nothing left to kill
# (KillMode=mixed would SIGKILL leftovers, and log it).
sl=$(journal -o cat --after-cursor="$cursor")
if echo "$sl" | grep -qiE 'killing process|left-over process|Failed with result'; then
	echo "$sl" | show
	fail "stop: systemd had to kill processes herdd left behind"
else
	code="$(prop ExecMainCode)/$(prop ExecMainStatus)"
	if [ "$code" = 1/0 ]; then
		pass "stop: herdd stopped the fleet itself and exited 0; systemd killed nothing"
	else
		echo "$sl" | show
		fail "stop: herdd's exit is code/status $code, not exited/0"
	fi
fi
# Only that fleet: herd@extra runs on, its run_dir kept
# (herd.service's RuntimeDirectoryPreserve=yes).
if [ "$(cx systemctl is-active herd@extra.service)" = active ] &&
    [ "$(cx herdctl -r /run/herd/extra status 2>/dev/null | grep -c ' running ')" -eq 2 ]; then
	pass "herd@: herd@extra still runs after herd.service stopped (/run/herd/extra kept)"
else
	cx systemctl status --no-pager herd@extra.service | show
	fail "herd@: stopping herd.service disturbed herd@extra"
fi
if CX_T=150 cx systemctl stop herd@extra.service && [ -z "$(fleet_procs 2)" ] &&
    ! cx test -e /run/herd/extra && cx test -d /run/herd; then
	pass "herd@: systemctl stop herd@extra leaves none of its processes, removes /run/herd/extra, keeps /run/herd"
else
	fleet_procs 2 | show
	fail "herd@: after systemctl stop herd@extra: processes left, or /run/herd/extra not removed"
fi
exit 0
