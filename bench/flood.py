#!/usr/bin/env python3
"""A child flooding its stdout (issue 14, item 4): herdd stays responsive.

herdd from BUILD runs `yes` (lines as fast as a pipe takes them) beside
10 quiet children, with log capture and rotation (log_max_bytes 1 MiB,
log_backups 3), for SECONDS. Measured: the latency of `herdctl status
--json` (a whole herdctl run each) against the same without the flood,
herdd's RSS, and what the log directory holds at the end (rotation
keeping up: at most 4 MiB for the flooder, 1 MiB and 3 backups).

usage: bench/flood.py BUILD [SECONDS]   (default 30)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * q))]


def latencies(herdctl, run, secs):
    lat, end = [], time.monotonic() + secs
    while time.monotonic() < end:
        a = time.monotonic()
        subprocess.run([herdctl, "-r", run, "status", "--json"],
                       capture_output=True, check=True)
        lat.append((time.monotonic() - a) * 1000)
        time.sleep(0.05)
    return lat


def log_bytes(d):
    total = 0
    for name in os.listdir(d):
        if name.startswith("flood."):
            total += os.path.getsize(os.path.join(d, name))
    return total


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    build = sys.argv[1]
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    herdctl = build + "/herdctl"
    d = tempfile.mkdtemp(prefix="herd-flood-")
    run, logs = d + "/run", d + "/log"
    kids = [{"name": "q%d" % i, "command": ["/bin/sleep", "1000000"]}
            for i in range(10)]
    kids.append({"name": "flood", "command": ["/usr/bin/yes",
                 "a line of output as fast as a pipe takes it"]})
    conf = {"run_dir": run, "log_dir": logs, "log_max_bytes": 1 << 20,
            "log_backups": 3, "supervisor": {"children": kids}}
    with open(d + "/herd.json", "w") as f:
        json.dump(conf, f)
    herdd = subprocess.Popen([build + "/herdd", "-c", d + "/herd.json"],
                             stdout=subprocess.DEVNULL,
                             stderr=open(d + "/herdd.log", "w"))
    try:
        end = time.monotonic() + 60
        while subprocess.run([herdctl, "-r", run, "ping"],
                             capture_output=True).returncode != 0:
            if time.monotonic() > end or herdd.poll() is not None:
                raise SystemExit("herdd did not answer")
            time.sleep(0.1)
        subprocess.run([herdctl, "-r", run, "stop", "flood"],
                       capture_output=True, check=True)
        quiet = latencies(herdctl, run, 5)
        rotated = log_bytes(logs)
        subprocess.run([herdctl, "-r", run, "start", "flood"],
                       capture_output=True, check=True)
        t0, r0 = time.monotonic(), rss(herdd.pid)
        flood = latencies(herdctl, run, secs)
        took, r1 = time.monotonic() - t0, rss(herdd.pid)
        st = os.stat(logs + "/flood.stdout.log")
        held = log_bytes(logs)
        print("status --json, quiet: p50 %.1f ms, p99 %.1f ms (%d calls)"
              % (pct(quiet, 0.5), pct(quiet, 0.99), len(quiet)))
        print("status --json, flooding: p50 %.1f ms, p99 %.1f ms, max "
              "%.1f ms (%d calls)" % (pct(flood, 0.5), pct(flood, 0.99),
                                       max(flood), len(flood)))
        print("herdd RSS %d -> %d KiB over %.0f s of flood" %
              (r0, r1, took))
        print("flood logs at the end: %d bytes in %d files (current "
              "%d bytes; %d before the flood)" %
              (held, len([n for n in os.listdir(logs)
                          if n.startswith("flood.")]), st.st_size,
               rotated))
        return 0
    finally:
        herdd.send_signal(signal.SIGTERM)
        herdd.wait(timeout=120)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
