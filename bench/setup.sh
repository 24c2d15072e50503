#!/bin/sh
# Installs what the benchmarks compare herd with, when it is missing:
# Debian's supervisor, s6, runit (the package only: never runit-init or
# runit-systemd, which would replace init) and gnuplot-nox; pm2 from the npm
# registry into bench/.cache/pm2 (never globally). No service is started:
# while apt-get installs, a policy-rc.d refuses every service start (one
# that was already there is left as it is).
set -eu
cd "$(dirname "$0")/.."
need=""
command -v supervisord >/dev/null 2>&1 || need="$need supervisor"
command -v s6-svscan >/dev/null 2>&1 || need="$need s6"
command -v runsvdir >/dev/null 2>&1 || need="$need runit"
command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot-nox"
command -v npm >/dev/null 2>&1 || need="$need npm"
command -v pstree >/dev/null 2>&1 || need="$need psmisc"
if [ -n "$need" ]; then
	echo "bench: installing$need" >&2
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	added=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 755 /usr/sbin/policy-rc.d
		added=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	rc=0
	{ $SUDO apt-get update -qq &&
	    $SUDO apt-get install -y -qq --no-install-recommends $need; } || rc=$?
	[ -n "$added" ] && $SUDO rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || exit $rc
	# The packages enable their own units (supervisor.service,
	# runit.service) for the next boot: the benchmarks need none of them.
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		for u in supervisor.service runit.service; do
			$SUDO systemctl disable --now "$u" >/dev/null 2>&1 || true
		done
	fi
fi
pm2=bench/.cache/pm2
if [ ! -x "$pm2/node_modules/.bin/pm2-runtime" ]; then
	echo "bench: installing pm2 into $pm2" >&2
	mkdir -p "$pm2"
	npm install --prefix "$pm2" --no-audit --no-fund --loglevel=error pm2 >&2
fi
