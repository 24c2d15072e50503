#!/bin/sh
# Checks `make install` into a temporary DESTDIR: every expected file is
# there and nothing else, the man pages render without warnings, the
# systemd units pass `systemd-analyze verify`, a program builds against the
# installed herd.h and libherd (shared and static, found with pkg-config)
# and runs, and `make uninstall` removes every file again.
# usage: scripts/install-check.sh [BUILD_DIR]   (run by `make test`)
# Environment: MAKE, CC, and HERD_SAN=1 when BUILD_DIR was built with
# sanitizers (the test program then needs them too).
set -eu

B=${1:-build}
MAKE=${MAKE:-make}
CC=${CC:-cc}
PREFIX=/usr/local
cd "$(dirname "$0")/.."

D=$(mktemp -d /tmp/herd-install-check.XXXXXX)
W=$(mktemp -d /tmp/herd-install-work.XXXXXX)
trap 'rm -rf "$D" "$W"' EXIT INT TERM
P=$D$PREFIX
fails=0
fail() {
	echo "install-check: FAIL: $*" >&2
	fails=$((fails + 1))
}
note() { echo "install-check: $*"; }

UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null ||
    true)
UNITDIR=${UNITDIR:-/lib/systemd/system}

note "make install DESTDIR=$D PREFIX=$PREFIX B=$B"
if ! $MAKE --no-print-directory install DESTDIR="$D" PREFIX="$PREFIX" \
    B="$B" >"$W/install.log" 2>&1; then
	cat "$W/install.log" >&2
	fail "make install failed"
	exit 1
fi

# ---- the tree: exactly these files, with these modes or link targets ----
cat >"$W/want" <<EOF
755 .$PREFIX/bin/herdctl
755 .$PREFIX/sbin/herdd
755 .$PREFIX/sbin/herd-sagad
644 .$PREFIX/lib/libherd.a
755 .$PREFIX/lib/libherd.so.0.1.0
link .$PREFIX/lib/libherd.so.0 -> libherd.so.0.1.0
link .$PREFIX/lib/libherd.so -> libherd.so.0.1.0
644 .$PREFIX/lib/pkgconfig/libherd.pc
644 .$PREFIX/include/herd.h
644 .$UNITDIR/herd.service
644 .$UNITDIR/herd@.service
644 .$PREFIX/share/doc/herd/examples/herd.json
644 .$PREFIX/share/doc/herd/examples/demo.json
644 .$PREFIX/share/herd/herd.schema.json
644 .$PREFIX/share/man/man1/herdctl.1
644 .$PREFIX/share/man/man3/herd_actor.3
644 .$PREFIX/share/man/man5/herd.json.5
644 .$PREFIX/share/man/man8/herdd.8
644 .$PREFIX/share/bash-completion/completions/herdctl
EOF
(cd "$D" && find . \( -type f -printf '%m %p\n' \) -o \
    \( -type l -printf 'link %p -> %l\n' \)) | sort -k2 >"$W/got"
note "installed tree:"
sed 's/^/    /' "$W/got"
sort -k2 "$W/want" >"$W/want.sorted"
if ! diff -u "$W/want.sorted" "$W/got" >"$W/tree.diff"; then
	cat "$W/tree.diff" >&2
	fail "the installed tree differs from the expected one (- expected, + found)"
fi
grep -q '^Cflags: -I${includedir}$' "$P/lib/pkgconfig/libherd.pc" ||
    fail "libherd.pc: no Cflags"
for u in herd.service herd@.service; do
	if grep -n '@[a-z]*dir@' "$D$UNITDIR/$u" >&2; then
		fail "$u: a path was not substituted"
	fi
done
grep -q "^ExecStart=$PREFIX/sbin/herdd " "$D$UNITDIR/herd.service" ||
    fail "herd.service: ExecStart is not $PREFIX/sbin/herdd"

# ---- the programs run ----
"$P/sbin/herdd" --version >"$W/v" 2>&1 && grep -q '^herdd ' "$W/v" ||
    fail "herdd --version: $(cat "$W/v")"
"$P/bin/herdctl" --version >"$W/v" 2>&1 && grep -q '^herdctl ' "$W/v" ||
    fail "herdctl --version: $(cat "$W/v")"
for ex in herd.json demo.json; do
	"$P/sbin/herdd" -c "$P/share/doc/herd/examples/$ex" --check \
	    >"$W/check" 2>&1 || fail "example $ex: $(cat "$W/check")"
done

# ---- man pages: render without a warning ----
if command -v man >/dev/null 2>&1; then
	for m in man1/herdctl.1 man3/herd_actor.3 man5/herd.json.5 \
	    man8/herdd.8; do
		if ! MANWIDTH=80 man --warnings -l "$P/share/man/$m" \
		    >"$W/man.out" 2>"$W/man.err"; then
			fail "man -l $m failed: $(cat "$W/man.err")"
		elif [ -s "$W/man.err" ]; then
			fail "man -l $m warns: $(cat "$W/man.err")"
		elif [ "$(wc -l <"$W/man.out")" -lt 20 ]; then
			fail "man -l $m: almost nothing rendered"
		else
			note "man -l $m: ok ($(wc -l <"$W/man.out") lines)"
		fi
	done
else
	note "SKIP man pages: man is not installed (apt-get install man-db)"
fi

# ---- systemd units: systemd-analyze verify ----
# verify checks that ExecStart/ExecReload binaries exist and that the
# Documentation= man pages do, so it checks copies of the installed units
# whose binaries point into DESTDIR, with MANPATH there too. Unknown keys
# are only warnings to it: any output counts as a failure here.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$W/units"
	for u in herd.service herd@.service; do
		sed -e "s|=$PREFIX/|=$P/|" "$D$UNITDIR/$u" >"$W/units/$u"
	done
	for u in herd.service herd@check.service; do
		if MANPATH="$P/share/man" systemd-analyze verify \
		    "$W/units/$u" >"$W/verify" 2>&1 && [ ! -s "$W/verify" ]; then
			note "systemd-analyze verify $u: ok"
		else
			fail "systemd-analyze verify $u: $(cat "$W/verify")"
		fi
	done
else
	note "SKIP units: systemd-analyze is not installed"
fi

# ---- a client of libherd, built with pkg-config against DESTDIR ----
cat >"$W/client.c" <<'EOF'
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <herd.h>

int
main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64], buf[64];
	uint64_t usec = 0;
	ssize_t n;
	int fd, p[2];

	/* play herdd: an abstract notify socket */
	snprintf(name, sizeof name, "@herd-install-check-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name + 1, strlen(name) - 1);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name))) == -1)
		return 1;
	setenv("NOTIFY_SOCKET", name, 1);
	if (herd_status("%d of %d", 1, 2) != 0 || herd_ready() != 0)
		return 2;
	n = recv(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, "STATUS=1 of 2") != 0)
		return 3;
	n = recv(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, "READY=1") != 0)
		return 4;
	setenv("WATCHDOG_USEC", "2000000", 1);
	if (herd_watchdog_usec(&usec) != 1 || usec != 2000000)
		return 5;
	if (pipe(p) == -1 || herd_ready_fd(p[1]) != 0 ||
	    read(p[0], buf, 1) != 1 || buf[0] != '\n')
		return 6;
	setenv("NOTIFY_SOCKET", "relative", 1);
	if (herd_ready() != HERD_EBADENV)
		return 7;
	printf("libherd ok: %s\n", herd_strerror(HERD_ENOLISTENER));
	return 0;
}
EOF
SANFLAGS=
[ "${HERD_SAN:-}" = 1 ] && SANFLAGS="-fsanitize=address,undefined"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
PC="pkg-config --define-variable=prefix=$P libherd"
if ! CFLAGS_PC=$($PC --cflags) || ! LIBS_PC=$($PC --libs) ||
    ! LIBS_L=$($PC --libs-only-L); then
	fail "pkg-config cannot read the installed libherd.pc"
else
	note "pkg-config libherd: $($PC --modversion): $CFLAGS_PC $LIBS_PC"
	# shared
	if $CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $SANFLAGS \
	    $CFLAGS_PC "$W/client.c" -o "$W/client" $LIBS_PC 2>"$W/cc.err"
	then
		lib=$(LD_LIBRARY_PATH="$P/lib" ldd "$W/client" |
		    sed -n 's/^[[:space:]]*libherd\.so\.0 => \([^ ]*\).*/\1/p')
		[ "$lib" = "$P/lib/libherd.so.0" ] ||
		    fail "the client loads libherd from '$lib', not DESTDIR"
		if LD_LIBRARY_PATH="$P/lib" "$W/client" >"$W/run" 2>&1; then
			note "shared client: $(cat "$W/run")"
		else
			fail "shared client exited $?: $(cat "$W/run")"
		fi
	else
		fail "cannot build a client against libherd.so: $(cat "$W/cc.err")"
	fi
	# static
	if $CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $SANFLAGS \
	    $CFLAGS_PC "$W/client.c" -o "$W/client-static" $LIBS_L \
	    -Wl,-Bstatic -lherd -Wl,-Bdynamic 2>"$W/cc.err"; then
		if ldd "$W/client-static" | grep -q libherd; then
			fail "the static client still needs libherd.so"
		elif "$W/client-static" >"$W/run" 2>&1; then
			note "static client: $(cat "$W/run")"
		else
			fail "static client exited $?: $(cat "$W/run")"
		fi
	else
		fail "cannot build a client against libherd.a: $(cat "$W/cc.err")"
	fi
fi
# herd.h is usable from C++ as well
if command -v c++ >/dev/null 2>&1; then
	printf '#include <herd.h>\nint main() { return herd_ready() < 0; }\n' \
	    >"$W/client.cc"
	c++ -Wall -Wextra -Werror -fsyntax-only -I"$P/include" "$W/client.cc" \
	    2>"$W/cc.err" || fail "herd.h in C++: $(cat "$W/cc.err")"
fi

# ---- make uninstall leaves no file behind ----
if ! $MAKE --no-print-directory uninstall DESTDIR="$D" PREFIX="$PREFIX" \
    B="$B" >"$W/uninstall.log" 2>&1; then
	cat "$W/uninstall.log" >&2
	fail "make uninstall failed"
fi
left=$(cd "$D" && find . -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"

if [ "$fails" -ne 0 ]; then
	echo "install-check: $fails failure(s)" >&2
	exit 1
fi
note "all good"
