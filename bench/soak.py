#!/usr/bin/env python3
"""Soak: N children crash-looping for S seconds (issue 14, item 5).

herdd from BUILD runs N children that each exit 1 LIFE seconds after
they start (`sh -c 'sleep LIFE; exit 1'`: two execs a restart), restarted
at once (intensity out of the way), with log capture. Every 10 s:
herdd's fd count, RSS and PSS; the latency of 20 `herdctl status c0
--json` calls (a whole herdctl run each) and of 50 status requests of
one child on one connection (BUILD/bench/ctlreq: herdd's own answer
time). A follower (`herdctl events --since 0
--json`) keeps the event stream; at the end every child is stopped and
each child's child.starting events must be 1 + its restart counter,
with no seq missing. Prints the samples and a summary; exit 1 if the
accounting fails.

usage: bench/soak.py BUILD [N] [SECONDS] [LIFE]   (default 1000, 600, 2)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def mem(pid):
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("Rss", "Pss"):
                out[key] = int(val.split()[0])
    return out


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * q))]


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    secs = int(sys.argv[3]) if len(sys.argv) > 3 else 600
    life = sys.argv[4] if len(sys.argv) > 4 else "2"
    herdctl = build + "/herdctl"
    d = tempfile.mkdtemp(prefix="herd-soak-")
    run = d + "/run"
    kids = [{"name": "c%d" % i, "command": ["/bin/sh", "-c",
             "sleep %s; exit 1" % life]} for i in range(n)]
    conf = {"run_dir": run, "log_dir": d + "/log",
            "supervisor": {"intensity": 100000000, "period_ms": 1000,
                           "children": kids}}
    with open(d + "/herd.json", "w") as f:
        json.dump(conf, f)
    herdd = subprocess.Popen([build + "/herdd", "-c", d + "/herd.json"],
                             stdout=subprocess.DEVNULL,
                             stderr=open(d + "/herdd.log", "w"))
    follower = None
    try:
        end = time.monotonic() + 60
        while subprocess.run([herdctl, "-r", run, "ping"],
                             capture_output=True).returncode != 0:
            if time.monotonic() > end or herdd.poll() is not None:
                raise SystemExit("herdd did not answer")
            time.sleep(0.1)
        follower = subprocess.Popen(
            [herdctl, "-r", run, "events", "--since", "0", "--json"],
            stdout=open(d + "/events.jsonl", "w"),
            stderr=open(d + "/events.err", "w"))
        lat, req, samples = [], [], []
        t0 = time.monotonic()
        while time.monotonic() - t0 < secs:
            time.sleep(10)
            for _ in range(20):
                a = time.monotonic()
                subprocess.run([herdctl, "-r", run, "status", "c0",
                                "--json"], capture_output=True, check=True)
                lat.append((time.monotonic() - a) * 1000)
            out = subprocess.run(
                [build + "/bench/ctlreq", run + "/control.sock", "50", "20",
                 '{"v":1,"id":1,"op":"status","args":{"name":"c0"}}'],
                capture_output=True, check=True, text=True).stdout
            req += [float(x) for x in out.split()]
            m = mem(herdd.pid)
            s = (int(time.monotonic() - t0), fds(herdd.pid), m["Rss"],
                 m["Pss"])
            samples.append(s)
            print("%4d s: %5d fds, %6d KiB RSS, %6d KiB PSS" % s,
                  flush=True)
        subprocess.run([herdctl, "-r", run, "-t", "120", "stop", "all"],
                       capture_output=True, check=True)
        st = json.loads(subprocess.run([herdctl, "-r", run, "status",
                                        "--json"], capture_output=True,
                                       check=True).stdout)
        restarts = {c["path"]: c["restarts"] for c in st["children"]}
        # the follower has every event once it has every child.stopped
        end = time.monotonic() + 120
        while True:
            starting, stopped, last, gaps, lines = {}, 0, 0, 0, 0
            with open(d + "/events.jsonl") as f:
                for line in f:
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    lines += 1
                    if last and ev["seq"] != last + 1:
                        gaps += 1
                    last = ev["seq"]
                    if ev["event"] == "child.starting":
                        starting[ev["path"]] = starting.get(ev["path"],
                                                            0) + 1
                    elif ev["event"] == "child.stopped":
                        stopped += 1
            if stopped >= n or time.monotonic() > end:
                break
            time.sleep(0.5)
        wrong = [p for p in restarts if starting.get(p, 0) !=
                 1 + restarts[p]]
        first, late = samples[min(1, len(samples) - 1)], samples[-1]
        print("children %d, %d s: %d restarts, %d events, %d gaps, "
              "%d children miscounted" % (n, secs, sum(restarts.values()),
                                          lines, gaps, len(wrong)))
        print("fds %d -> %d, RSS %d -> %d KiB, PSS %d -> %d KiB "
              "(from the %d s sample to the last)" %
              (first[1], late[1], first[2], late[2], first[3], late[3],
               first[0]))
        print("control, herdctl status c0 (%d runs): p50 %.1f ms, p99 "
              "%.1f ms, max %.1f ms" % (len(lat), pct(lat, 0.5),
                                        pct(lat, 0.99), max(lat)))
        print("control, status of c0 on one connection (%d requests): "
              "p50 %.1f ms, p99 %.1f ms, max %.1f ms" %
              (len(req), pct(req, 0.5), pct(req, 0.99), max(req)))
        return 1 if wrong or gaps or stopped < n else 0
    finally:
        if follower is not None:
            follower.send_signal(signal.SIGTERM)
            follower.wait(timeout=60)
        herdd.send_signal(signal.SIGTERM)
        herdd.wait(timeout=120)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
