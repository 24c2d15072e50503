#!/usr/bin/env python3
"""Turns bench/results/*.csv into docs/performance.md and docs/perf-*.png.

usage: bench/report.py [--quick]
--quick reads bench/results/quick/ and writes bench/results/quick/
performance.md (and its plots there), leaving docs/ alone.
The hand-written findings (what the numbers say about herd, and why) are
bench/findings.md, included as they are.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = ["herd", "bare", "supervisord", "s6", "runit", "pm2"]
TITLE = {"herd": "herd", "bare": "bare loop", "supervisord": "supervisord",
         "s6": "s6", "runit": "runit", "pm2": "pm2"}
FAST = {"herd": "null", "bare": "default", "supervisord": "fast",
        "s6": "fast", "runit": "default", "pm2": "fast"}
DEFAULT = {"herd": "log", "bare": "default", "supervisord": "default",
           "s6": "default", "runit": "default", "pm2": "default"}


def load(d, name):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def ms(us):
    """A latency in µs, printed in the unit that reads best."""
    if us is None or us == "":
        return "-"
    us = float(us)
    if us >= 100000:
        return "%.2f s" % (us / 1e6)
    if us >= 10000:
        return "%.0f ms" % (us / 1e3)
    return "%.2f ms" % (us / 1e3)


def mib(kib):
    kib = float(kib)
    if kib >= 10240:
        return "%.0f MiB" % (kib / 1024)
    return "%.1f MiB" % (kib / 1024)


class Report:
    def __init__(self, quick):
        self.quick = quick
        self.res = os.path.join(ROOT, "bench", "results", "quick" if quick else "")
        self.docs = self.res if quick else os.path.join(ROOT, "docs")
        r = lambda n: load(self.res, n)
        self.rsum = r("restart-summary.csv")
        self.rraw = r("restart.csv")
        self.foot = r("footprint.csv")
        self.idle = r("idle.csv")
        self.start = r("startup.csv")
        self.mass = r("mass.csv")
        self.ctl = r("control.csv")
        self.storm = r("storm.csv")
        self.notes = r("notes.csv")
        with open(os.path.join(self.res, "machine.json")) as f:
            self.machine = json.load(f)
        self.sizes = sorted({int(x["children"]) for x in self.foot})
        self.rsizes = sorted({int(x["children"]) for x in self.rsum})

    # ---- lookups

    def restart(self, peer, s, n):
        for x in self.rsum:
            if x["peer"] == peer and x["settings"] == s and int(x["children"]) == n:
                return x
        return None

    def restart_cell(self, peer, s, n):
        x = self.restart(peer, s, n)
        if x is None:
            return "not run" if peer == "herd" else "-"
        if int(x["samples"]) == 0:
            return "failed"
        cell = "%s (p99 %s)" % (ms(x["p50_us"]), ms(x["p99_us"]))
        return cell

    def note_for(self, peer, row):
        return [x["note"] for x in self.notes if x["peer"] == peer and x["row"] in (row, "all")]

    def foot_of(self, peer, n, s=None):
        for x in self.foot:
            if x["peer"] == peer and int(x["children"]) == n and (s is None or x["settings"] == s):
                return x
        return None

    def start_of(self, peer, n, s=None):
        for x in self.start:
            if x["peer"] == peer and int(x["children"]) == n and (s is None or x["settings"] == s):
                return x
        return None

    def ctl_of(self, peer, n):
        xs = [float(x["ms"]) for x in self.ctl if x["peer"] == peer and int(x["children"]) == n]
        return xs

    def mass_of(self, peer):
        return [float(x["latency_us"]) for x in self.mass if x["peer"] == peer]

    def storm_of(self, peer):
        for x in self.storm:
            if x["peer"] == peer:
                return x
        return None

    def idle_of(self, peer):
        for x in self.idle:
            if x["peer"] == peer:
                return x
        return None

    def peers(self):
        have = {x["peer"] for x in self.foot} | {x["peer"] for x in self.rsum}
        return [p for p in PEERS if p in have]

    # ---- tables

    def summary(self):
        P = self.peers()
        big = max(self.rsizes) if self.rsizes else 0
        small = min(self.rsizes) if self.rsizes else 0
        fsizes = self.sizes
        rows = []
        hdr = "| row | " + " | ".join(TITLE[p] for p in P) + " |"
        rows.append(hdr)
        rows.append("|---|" + "---|" * len(P))

        def line(label, f):
            rows.append("| %s | %s |" % (label, " | ".join(f(p) for p in P)))

        for n in self.rsizes:
            line("1. restart p50 (p99), %d children, defaults" % n,
                 lambda p, n=n: self.restart_cell(p, DEFAULT[p], n))
            line("1. restart p50 (p99), %d children, fastest" % n,
                 lambda p, n=n: self.restart_cell(p, FAST[p], n))
        for n in fsizes:
            def fp(p, n=n):
                x = self.foot_of(p, n, FAST[p] if p == "herd" else None)
                if x is None:
                    return "not run" if any("n=%d not run" % n in t for t in self.note_for(p, "all")) else "-"
                started = int(x["running"])
                cell = "%s PSS, %s RSS" % (mib(x["pss_kib"]), mib(x["rss_kib"]))
                if started < n:
                    cell += " (%d running)" % started
                return cell
            line("2. footprint, %d children" % n, fp)

        def idle(p):
            x = self.idle_of(p)
            if x is None:
                return "-"
            return "%s ticks, %s wake-ups" % (x["cpu_ticks"], x["ctx_switches"])
        if self.idle:
            line("2. CPU when idle, %s s, %s children" % (self.idle[0]["seconds"], self.idle[0]["children"]), idle)
        for n in fsizes:
            def st(p, n=n):
                x = self.start_of(p, n, FAST[p] if p == "herd" else None)
                if x is None:
                    return "-"
                if x["running_ms"] == "":
                    return "did not start"
                cell = ms(float(x["running_ms"]) * 1000)
                if x.get("ready_ms"):
                    cell += " (ready %s)" % ms(float(x["ready_ms"]) * 1000)
                if int(x["started"]) < n:
                    cell = "%s of %d in %s" % (x["started"], n, cell)
                return cell
            line("3. start-up, %d children" % n, st)

        def mass(p):
            xs = self.mass_of(p)
            if not xs:
                return "can't" if any("no one_for_all" in t for t in self.note_for(p, "mass")) else "-"
            return ms(pct(xs, 50))
        nm = self.mass[0]["children"] if self.mass else big
        line("4. one_for_all, kill 1 of %s, all replaced (p50)" % nm, mass)
        for n in fsizes:
            def cl(p, n=n):
                xs = self.ctl_of(p, n)
                if not xs:
                    return "no CLI" if p == "bare" else "-"
                return "%s / %s%s" % (ms(pct(xs, 50) * 1000), ms(pct(xs, 99) * 1000),
                                      "" if len(xs) >= 50 or self.quick else " (%d calls)" % len(xs))
            line("5. status of %d children, p50 / p99" % n, cl)

        def storm(p, what):
            x = self.storm_of(p)
            if x is None:
                return "-"
            if what == "rate":
                return "%.0f/s" % float(x["restarts_per_s"])
            if what == "cpu":
                return "%s ticks" % x["cpu_ticks"]
            if not x["ctl_p99_ms"]:
                return "no CLI" if p == "bare" else "-"
            return "%s (%s calls)" % (ms(float(x["ctl_p99_ms"]) * 1000), x["ctl_calls"])
        if self.storm:
            s0 = self.storm[0]
            line("6. storm, %s children exit 1, %s s: restarts/s" % (s0["children"], s0["seconds"]), lambda p: storm(p, "rate"))
            line("6. storm: supervisor CPU", lambda p: storm(p, "cpu"))
            line("6. storm: status p99", lambda p: storm(p, "ctl"))
        return "\n".join(rows)

    def restart_detail(self):
        rows = ["| peer | settings | children | samples | min | p50 | p99 | max | note |",
                "|---|---|---|---|---|---|---|---|---|"]
        for x in self.rsum:
            rows.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                TITLE[x["peer"]], x["settings"], x["children"], x["samples"],
                ms(x["min_us"]), ms(x["p50_us"]), ms(x["p99_us"]), ms(x["max_us"]),
                x["note"] + ("; %s timeouts" % x["timeouts"] if x["timeouts"] not in ("0", "") else "")))
        return "\n".join(rows)

    def foot_detail(self):
        rows = ["| peer | settings | children | running | processes | RSS | PSS | PSS per child | start-up to all running |",
                "|---|---|---|---|---|---|---|---|---|"]
        for x in self.foot:
            n = int(x["children"])
            s = self.start_of(x["peer"], n, x["settings"])
            rows.append("| %s | %s | %d | %s | %s | %s | %s | %.1f KiB | %s |" % (
                TITLE[x["peer"]], x["settings"], n, x["running"], x["procs"],
                mib(x["rss_kib"]), mib(x["pss_kib"]), float(x["pss_kib"]) / max(1, int(x["running"])),
                ms(float(s["running_ms"]) * 1000) if s and s["running_ms"] else "-"))
        return "\n".join(rows)

    def notes_md(self):
        seen, out = set(), []
        for x in self.notes:
            k = (x["peer"], x["note"])
            if k in seen:
                continue
            seen.add(k)
            out.append("- %s (%s): %s" % (TITLE.get(x["peer"], x["peer"]), x["row"], x["note"]))
        return "\n".join(out)

    # ---- plots

    def plots(self):
        if shutil.which("gnuplot") is None:
            return []
        tmp = tempfile.mkdtemp(prefix="herd-report.")
        made = []
        big = max(self.rsizes) if self.rsizes else 0
        # restart latency CDF, fastest settings, the big fleet
        series = []
        for p in self.peers():
            xs = sorted(float(x["latency_us"]) / 1000 for x in self.rraw
                        if x["peer"] == p and x["settings"] == FAST[p] and int(x["children"]) == big)
            if not xs:
                continue
            path = os.path.join(tmp, "cdf-%s.dat" % p)
            with open(path, "w") as f:
                for i, v in enumerate(xs):
                    f.write("%g %g\n" % (v, (i + 1) / len(xs)))
            series.append("'%s' using 1:2 with steps lw 2 title '%s (%s)'" % (path, TITLE[p], FAST[p]))
        if series:
            out = os.path.join(self.docs, "perf-restart-cdf.png")
            self.gnuplot(tmp, out, [
                "set title 'kill -9 -> replacement exec, %d children (fastest settings)'" % big,
                "set xlabel 'latency (ms, log scale)'", "set ylabel 'fraction of samples'",
                "set logscale x", "set key top left box opaque", "set grid",
                "plot " + ", ".join(series)])
            made.append(out)
        # footprint vs N
        series = []
        for p in self.peers():
            pts = sorted((int(x["children"]), float(x["pss_kib"]) / 1024) for x in self.foot
                         if x["peer"] == p and (p != "herd" or x["settings"] == "null")
                         and int(x["running"]) >= int(x["children"]))
            if not pts:
                continue
            path = os.path.join(tmp, "foot-%s.dat" % p)
            with open(path, "w") as f:
                for n, v in pts:
                    f.write("%d %g\n" % (n, v))
            series.append("'%s' using 1:2 with linespoints lw 2 title '%s'" % (path, TITLE[p]))
        if series:
            out = os.path.join(self.docs, "perf-footprint.png")
            self.gnuplot(tmp, out, [
                "set title 'supervisor memory (PSS, all its processes) vs children'",
                "set xlabel 'children'", "set ylabel 'MiB'", "set logscale xy",
                "set key top left", "set grid", "plot " + ", ".join(series)])
            made.append(out)
        # control latency vs N
        series = []
        for p in self.peers():
            pts = []
            for n in self.sizes + self.rsizes:
                xs = self.ctl_of(p, n)
                if xs:
                    pts.append((n, pct(xs, 50)))
            pts = sorted(set(pts))
            if not pts:
                continue
            path = os.path.join(tmp, "ctl-%s.dat" % p)
            with open(path, "w") as f:
                for n, v in pts:
                    f.write("%d %g\n" % (n, v))
            series.append("'%s' using 1:2 with linespoints lw 2 title '%s'" % (path, TITLE[p]))
        if series:
            out = os.path.join(self.docs, "perf-control.png")
            self.gnuplot(tmp, out, [
                "set title 'status of every child: p50 of one CLI call'",
                "set xlabel 'children'", "set ylabel 'ms'", "set logscale xy",
                "set key top left", "set grid", "plot " + ", ".join(series)])
            made.append(out)
        shutil.rmtree(tmp, ignore_errors=True)
        return made

    def gnuplot(self, tmp, out, cmds):
        script = "set terminal pngcairo size 900,540 noenhanced\n" \
            if self.has_cairo() else "set terminal png size 900,540 noenhanced\n"
        script += "set output '%s'\n" % out + "\n".join(cmds) + "\n"
        subprocess.run(["gnuplot"], input=script.encode(), check=True)

    def has_cairo(self):
        r = subprocess.run(["gnuplot", "-e", "set terminal"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        return b"pngcairo" in r.stdout

    # ---- the page

    def write(self):
        m = self.machine
        made = self.plots()
        rel = lambda p: os.path.relpath(p, self.docs)
        findings = ""
        fpath = os.path.join(ROOT, "bench", "findings.md")
        if os.path.exists(fpath) and not self.quick:
            with open(fpath) as f:
                findings = f.read().strip()
        settings = []
        for p, lines in [
            ("herd", ['null: every child `"stdout":"null","stderr":"null"`, `"shutdown":"brutal_kill"`, root `one_for_one` (one_for_all for row 4), `intensity` 1000000 per `period_ms` 1000; this is herd\'s fastest setting',
                      "log: the same with log capture on (herd's default: each child's stdout/stderr through a pipe into log_dir)"]),
            ("bare", ["bench/bareloop.c: signalfd(SIGCHLD), waitpid, fork + exec; -a for one_for_all (kill all, reap all, fork all)"]),
            ("supervisord", ["default: `[program:c]` with `numprocs=N`, `stopsignal=KILL` (teardown only), everything else default: startsecs=1, autorestart=unexpected, startretries=3, stdout/stderr logs AUTO, loglevel info",
                             "fast: startsecs=0, autorestart=true, startretries=1000000, stdout/stderr_logfile=NONE, loglevel=error. No setting shortens the restart: supervisord reaps children after its poll() returns, and its poll timeout is a fixed 1 s that SIGCHLD does not interrupt (Python retries the call, PEP 475; no wakeup fd is set)"]),
            ("s6", ["default: `s6-svscan -c N` on a scan dir of N service dirs, `run` a symlink to stamp, no notification-fd: the service is never \"ready\", so s6-supervise always waits 1 s before the restart",
                    "fast: `notification-fd` 3, the child writes a newline to it right after its stamp: a service that has been ready for more than 1 s restarts at once (s6-supervise's 1 s throttle; nothing turns it off, a `finish` script only adds a fork)"]),
            ("runit", ["`runsvdir` on a scan dir of N service dirs, `run` a symlink to stamp. There is nothing to tune: runsv's `sleep(1)` when a service ran less than 1 s is hard-coded (runsv.c: `if (taia_less(&svd[0].start, &deadline)) sleep(1);`), and runsvdir stops at 1000 services (compiled-in limit)"]),
            ("pm2", ["default: `pm2-runtime start ecosystem.json` (PM2_HOME in the temp dir), apps with `interpreter: none`, fork mode, `kill_timeout` 200; defaults otherwise: min_uptime 1000 ms, max_restarts 16, logs into PM2_HOME/logs",
                     "fast: min_uptime 0, max_restarts 1000000, restart_delay 0, out_file/error_file /dev/null, vizion false, pmx false, automation false"]),
        ]:
            for l in lines:
                settings.append("- **%s** %s" % (TITLE[p], l))
        v = m.get("versions", {})
        page = []
        page.append("# Performance: herd side by side with supervisord, s6, runit and pm2\n")
        page.append("Generated by `make bench` (bench/run.sh -> bench/bench.py -> "
                    "bench/report.py) on %s; raw CSV in `bench/results/`.%s\n" % (
                        m["date"], " **Quick run (make bench-quick): small N, few samples; not the published numbers.**" if self.quick else ""))
        page.append("Every child of every supervisor execs `bench/stamp`, which writes its pid and "
                    "CLOCK_MONOTONIC at exec into a FIFO. Restart latency is kill(2) (t0 taken "
                    "right before it) to the replacement's stamp, read by `bench/restart` (C); "
                    "no supervisor is polled. Each peer runs alone, in the foreground, in a "
                    "temp dir with a generated config, and is stopped by PID afterwards. "
                    "Cells are medians (p50) unless marked.\n")
        page.append("## Summary\n")
        page.append(self.summary() + "\n")
        page.append("Restart rows kill a child only once it has been up for at least %s: runit, "
                    "s6, supervisord and pm2 all treat a child that dies younger than about 1 s "
                    "as a failed start and delay or stop restarting it, which is the storm "
                    "row's subject, not this one's. Slow runs stop after a time budget (the "
                    "detail table gives the sample count).\n" % "1.1 s")
        if findings:
            page.append(findings + "\n")
        page.append("## Plots\n")
        for p in made:
            page.append("![%s](%s)\n" % (os.path.basename(p), rel(p)))
        page.append("## Row 1: restart latency, every run\n")
        page.append(self.restart_detail() + "\n")
        page.append("## Rows 2 and 3: footprint and start-up\n")
        page.append("RSS and PSS (from /proc/PID/smaps_rollup) summed over the supervisor's own "
                    "processes: herdd; the bare loop; supervisord's python; s6-svscan and every "
                    "s6-supervise; runsvdir and every runsv; pm2-runtime's node. Start-up is "
                    "launch to the last child's exec stamp; herd's \"ready\" is launch to "
                    "`herdctl wait LAST --state running` returning (includes one herdctl run).\n")
        page.append(self.foot_detail() + "\n")
        if self.idle:
            page.append("Idle: utime+stime ticks (1 tick = 1/%s s) summed over the supervisor's "
                        "processes, and their context switches (every thread), over %s s with %s "
                        "children up and nothing happening, counted from %s s after the start-up check "
                        "(the same for every supervisor).\n" % (
                            self.idle[0]["clk_tck"], self.idle[0]["seconds"], self.idle[0]["children"],
                            self.machine.get("idle_quiet_s", 0)))
        page.append("## Settings\n")
        page.append("\n".join(settings) + "\n")
        page.append("Row 4 (one_for_all): only herd and the bare loop have it; supervisord's groups, "
                    "s6, runit and pm2 restart the one child that died and nothing else.\n")
        page.append("Row 5: `herdctl status --json`; `supervisorctl status`; a shell loop of "
                    "`s6-svstat DIR` over every service dir (s6-svstat takes one); `sv status` "
                    "with every dir; `pm2 jlist`. Wall time of the whole command.\n")
        page.append("Row 6: the stamp child exits 1 right after stamping; each peer with its "
                    "fast settings (supervisord would otherwise go FATAL after 3 tries, pm2 "
                    "errored after 16); status is called in a loop during the storm.\n")
        notes = self.notes_md()
        if notes:
            page.append("## Notes from the run\n")
            page.append(notes + "\n")
        page.append("## Machine\n")
        page.append("- `nproc`: %s; kernel: %s; memory: %s\n- pid_max %s; open files (soft, hard): %s\n"
                    "- load average when the run began: %s (other work was running on the machine: "
                    "compare each peer with the bare loop measured in the same run)\n" % (
                        m["nproc"], m["kernel"], m["mem"], m["pid_max"],
                        m["nofile"].replace("\n", ", "), m["load_before"]))
        page.append("- versions: %s\n" % ", ".join("%s %s" % (k, v) for k, v in v.items()))
        page.append("```\n%s\n```\n" % m["lscpu"])
        page.append("## How to reproduce\n")
        page.append("```\nmake bench          # full run, under 20 minutes; writes bench/results/, this page, docs/perf-*.png\n"
                    "make bench-quick    # the same code paths, small N (under 2 minutes); bench/results/quick/\n"
                    "python3 bench/bench.py --only herd,s6   # some peers only (then bench/report.py)\n```\n")
        page.append("`bench/setup.sh` installs what is missing: Debian's `supervisor`, `s6`, `runit` "
                    "(the package, never runit-init) and `gnuplot-nox`, with service starts refused "
                    "by policy-rc.d; pm2 from npm into `bench/.cache/pm2`. herd is built into "
                    "`bench/.cache/build`. Every process a run starts is stopped by PID "
                    "(bench.py is a child subreaper, so nothing escapes it).\n")
        out = os.path.join(self.docs, "performance.md")
        # the "Actors" section is make bench-actors' (bench/actors/): kept
        actors = ""
        if os.path.exists(out):
            with open(out) as f:
                old = f.read()
            i = old.find("\n## Actors\n")
            if i != -1:
                actors = old[i + 1:]
        with open(out, "w") as f:
            f.write("\n".join(page) + ("\n" + actors if actors else ""))
        print(out)
        print(self.summary())


def main():
    Report("--quick" in sys.argv[1:]).write()


if __name__ == "__main__":
    main()
