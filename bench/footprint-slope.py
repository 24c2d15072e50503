#!/usr/bin/env python3
"""herdd's memory per added child: the slope between fleet sizes.

Starts herdd from BUILD on N children (`sleep`, log capture unless
--null), waits until the last one runs, then reads herdd's PSS and RSS
from /proc/PID/smaps_rollup and the mappings that hold the most, and
stops it. The slope between two sizes is what one more child costs,
which a total divided by N hides (issue 14, item 7).

usage: bench/footprint-slope.py BUILD [--null] N [N...]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def rollup(pid):
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            key, _, val = line.partition(":")
            if val.strip().endswith("kB"):
                out[key] = int(val.split()[0])
    return out


def biggest(pid, n=4):
    maps, cur = [], None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            w = line.split()
            if "-" in w[0] and ":" not in w[0]:
                cur = [w[5] if len(w) > 5 else "[anon]", 0]
                maps.append(cur)
            elif w[0] == "Pss:":
                cur[1] += int(w[1])
    return sorted(maps, key=lambda m: -m[1])[:n]


def measure(build, n, null):
    d = tempfile.mkdtemp(prefix="herd-fp-")
    try:
        child = {"command": ["/bin/sleep", "1000000"],
                 "shutdown": "brutal_kill"}
        if null:
            child["stdout"] = child["stderr"] = "null"
        conf = {"run_dir": d + "/run", "log_dir": d + "/log",
                "supervisor": {"intensity": 1000000, "period_ms": 1000,
                               "children": [dict(child, name="c%d" % i)
                                            for i in range(n)]}}
        with open(d + "/herd.json", "w") as f:
            json.dump(conf, f)
        p = subprocess.Popen([build + "/herdd", "-c", d + "/herd.json"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            end = time.monotonic() + 120
            while not os.path.exists(d + "/run/control.sock"):
                if time.monotonic() > end or p.poll() is not None:
                    raise SystemExit("herdd did not start")
                time.sleep(0.05)
            subprocess.run([build + "/herdctl", "-r", d + "/run", "-t",
                            "120", "wait", "c%d" % (n - 1), "--state",
                            "running", "--timeout", "120s"], check=True,
                           stdout=subprocess.DEVNULL)
            return rollup(p.pid), biggest(p.pid)
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=120)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    build, null = args.pop(0), "--null" in args
    sizes = [int(a) for a in args if a != "--null"]
    prev = None
    for n in sizes:
        r, top = measure(build, n, null)
        slope = ""
        if prev is not None:
            slope = ", %.1f KiB PSS a child from %d" % (
                (r["Pss"] - prev[1]) / (n - prev[0]), prev[0])
        print("%6d children: %6d KiB PSS, %6d KiB RSS%s" %
              (n, r["Pss"], r["Rss"], slope), flush=True)
        for name, pss in top:
            print("        %6d KiB %s" % (pss, name))
        prev = (n, r["Pss"])


if __name__ == "__main__":
    main()
