#!/usr/bin/env python3
"""herd's benchmark suite: herd side by side with a bare respawn loop,
supervisord, s6, runit and pm2, one peer at a time, on one machine.

usage: bench/bench.py [--quick] [--build DIR] [--out DIR] [--only PEER,...]

Every child of every supervisor execs bench/stamp, which writes
"<pid> <CLOCK_MONOTONIC ns>" to a FIFO at exec; bench/restart (C) does the
kills and reads the FIFO. Each peer runs in the foreground in a temp dir with
a generated config; every process started here is stopped by PID (this
process is a child subreaper, so nothing it starts can escape it). Raw CSV
goes to --out (bench/results, or bench/results/quick with --quick).
"""
import argparse
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK = time.CLOCK_MONOTONIC


def now_ns():
    return time.clock_gettime_ns(CLK)


def log(*a):
    print("[%s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

STARTED = []  # every Popen we made: stopped by PID at exit


def popen(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def proc_children():
    """pid -> ppid for every process (one /proc walk)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
            out[int(d)] = int(s[s.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            pass
    return out


def descendants(root, table=None):
    table = table or proc_children()
    kids = {}
    for pid, pp in table.items():
        kids.setdefault(pp, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def exe_of(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""


def reap_orphans():
    """Reap zombies that were re-parented to us (we are a subreaper)."""
    mine = {p.pid for p in STARTED}
    for pid, pp in proc_children().items():
        if pp == os.getpid() and pid not in mine:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def kill_tree(root_pid, grace=5.0):
    """SIGKILL every descendant of root_pid (or of us) still alive, by PID."""
    for _ in range(3):
        pids = descendants(root_pid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
        reap_orphans()


def cleanup_all():
    for p in STARTED:
        if p.poll() is None:
            try:
                p.kill()
            except ProcessLookupError:
                pass
    kill_tree(os.getpid())
    for p in STARTED:
        try:
            p.wait(timeout=5)
        except Exception:
            pass
    reap_orphans()


def on_signal(sig, frame):
    raise SystemExit(128 + sig)


# ---------------------------------------------------------------- /proc stats

def smaps(pid):
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        fl = s[s.rindex(")") + 2:].split()
        return int(fl[11]) + int(fl[12])  # utime + stime, all threads
    except (OSError, ValueError, IndexError):
        return 0


def ctx_switches(pid):
    n = 0
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")):
                        n += int(line.split()[1])
    except OSError:
        pass
    return n


# ---------------------------------------------------------------- the peers

class Peer:
    """One supervisor under test. A peer writes its config into dir, gives
    the command that runs it in the foreground, and knows how to ask it for
    the status of every child and how to stop it."""
    name = "?"
    max_n = None          # hard limit of the peer, with the reason
    max_n_why = ""
    mass = False          # has a one_for_all notion
    slow = ()             # settings whose restart takes about 1 s: fewer samples

    def __init__(self, ctx):
        self.ctx = ctx

    def settings(self):
        return ["default", "fast"]

    def settings_text(self, s):
        return s

    def setup(self, d, n, s, fifo, env, strategy):
        raise NotImplementedError

    extra_env = {}

    def env(self):
        e = dict(os.environ)
        e.update(self.extra_env)
        return e

    def status_argv(self):
        return None

    def status_check(self, out, n):
        return True

    def stop(self, p):
        p.send_signal(signal.SIGTERM)

    def sup_pids(self, root):
        """The supervisor's own processes: root and every descendant that
        is not a benchmark child."""
        stamp = self.ctx.stamp
        return [root] + [q for q in descendants(root) if exe_of(q) != stamp]


class Bare(Peer):
    name = "bare"
    mass = True

    def settings(self):
        return ["default"]

    def settings_text(self, s):
        return "signalfd + waitpid + fork/exec, nothing else"

    def setup(self, d, n, s, fifo, env, strategy):
        self.extra_env = dict(env)
        self.argv = [self.ctx.bin("bareloop")] + \
            (["-a"] if strategy == "one_for_all" else []) + \
            [str(n), self.ctx.stamp, fifo]
        return self.argv


class Herd(Peer):
    name = "herd"
    mass = True

    def settings(self):
        return ["null", "log"]

    def settings_text(self, s):
        return {"null": '"stdout"/"stderr": "null"',
                "log": "log capture (herd's default)"}[s]

    def setup(self, d, n, s, fifo, env, strategy):
        self.run = os.path.join(d, "run")
        child = {"command": [self.ctx.stamp, fifo], "shutdown": "brutal_kill"}
        if s == "null":
            child["stdout"] = child["stderr"] = "null"
        if env:
            child["env"] = env
        kids = []
        for i in range(n):
            c = dict(child)
            c["name"] = "c%d" % i
            kids.append(c)
        conf = {"run_dir": self.run, "log_dir": os.path.join(d, "log"),
                "supervisor": {"strategy": strategy, "intensity": 1000000,
                               "period_ms": 1000, "children": kids}}
        path = os.path.join(d, "herd.json")
        with open(path, "w") as f:
            json.dump(conf, f)
        self.last = "c%d" % (n - 1)
        return [self.ctx.herdd, "-c", path]

    def status_argv(self):
        return [self.ctx.herdctl, "-r", self.run, "status", "--json"]

    def status_check(self, out, n):
        return out.count(b'"state":"running"') >= n

    def ready_argv(self):
        return [self.ctx.herdctl, "-r", self.run, "-t", "60", "wait",
                self.last, "--state", "running", "--timeout", "60s"]


class Supervisord(Peer):
    name = "supervisord"
    slow = ("default", "fast")

    def settings_text(self, s):
        if s == "default":
            return "numprocs=N, stopsignal=KILL, everything else default " \
                   "(startsecs=1, autorestart=unexpected, logs AUTO)"
        return "startsecs=0, autorestart=true, startretries=1000000, " \
               "stdout/stderr_logfile=NONE, loglevel=error"

    def setup(self, d, n, s, fifo, env, strategy):
        self.conf = os.path.join(d, "supervisord.conf")
        lines = [
            "[unix_http_server]", "file=%s/supervisor.sock" % d,
            "[supervisord]", "logfile=%s/supervisord.log" % d,
            "pidfile=%s/supervisord.pid" % d, "childlogdir=%s" % d,
            # minfds above the hard limit makes supervisord refuse to
            # start (it cannot raise a hard limit it does not own)
            "nodaemon=true", "user=root", "minfds=%d" % min(
                4 * n + 256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
            "minprocs=%d" % (n + 256),
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = "
            "supervisor.rpcinterface:make_main_rpcinterface",
            "[supervisorctl]", "serverurl=unix://%s/supervisor.sock" % d,
            "[program:c]", "command=%s %s" % (self.ctx.stamp, fifo),
            "process_name=%(program_name)s%(process_num)d",
            "numprocs=%d" % n, "stopsignal=KILL", "stopwaitsecs=1",
        ]
        if s == "fast":
            lines += ["startsecs=0", "autorestart=true",
                      "startretries=1000000", "stdout_logfile=NONE",
                      "stderr_logfile=NONE"]
            lines.insert(lines.index("nodaemon=true"), "loglevel=error")
        if env:
            lines.append("environment=" + ",".join(
                '%s="%s"' % kv for kv in env.items()))
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return ["supervisord", "-n", "-c", self.conf]

    def status_argv(self):
        return ["supervisorctl", "-c", self.conf, "status"]

    def status_check(self, out, n):
        return out.count(b"RUNNING") >= n


class S6(Peer):
    name = "s6"
    slow = ("default",)

    def settings_text(self, s):
        if s == "default":
            return "./run -> stamp, no notification-fd (s6 then pauses 1 s " \
                   "before every restart)"
        return "notification-fd 3 (the child writes a newline once up): " \
               "s6-supervise restarts at once a service ready for > 1 s"

    def setup(self, d, n, s, fifo, env, strategy):
        self.scan = os.path.join(d, "scan")
        os.mkdir(self.scan)
        for i in range(n):
            sd = os.path.join(self.scan, "c%d" % i)
            os.mkdir(sd)
            os.symlink(self.ctx.stamp, os.path.join(sd, "run"))
            if s == "fast":
                with open(os.path.join(sd, "notification-fd"), "w") as f:
                    f.write("3\n")
        self.extra_env = dict(env)
        self.extra_env["STAMP_FIFO"] = fifo
        if s == "fast":
            self.extra_env["STAMP_NOTIFY_FD"] = "3"
        self.n = n
        return ["s6-svscan", "-c", str(n + 16), self.scan]

    def status_argv(self):
        # s6-svstat takes one service dir: "status of all" is a loop.
        return ["sh", "-c", 'for d in "$0"/*; do s6-svstat "$d"; done',
                self.scan]

    def status_check(self, out, n):
        return out.count(b"up (pid") >= n


class Runit(Peer):
    name = "runit"
    max_n = 1000
    max_n_why = "runsvdir supervises at most 1000 service dirs " \
                "(MAXSERVICES, compiled in)"

    def settings(self):
        return ["default"]

    def settings_text(self, s):
        return "./run -> stamp; runit has no restart setting: runsv " \
               "sleeps 1 s (hard-coded) before restarting a service that " \
               "ran < 1 s"

    def setup(self, d, n, s, fifo, env, strategy):
        self.scan = os.path.join(d, "scan")
        os.mkdir(self.scan)
        for i in range(n):
            sd = os.path.join(self.scan, "c%d" % i)
            os.mkdir(sd)
            os.symlink(self.ctx.stamp, os.path.join(sd, "run"))
        self.extra_env = dict(env)
        self.extra_env["STAMP_FIFO"] = fifo
        self.n = n
        return ["runsvdir", self.scan]

    def status_argv(self):
        return ["sv", "status"] + [os.path.join(self.scan, "c%d" % i)
                                   for i in range(self.n)]

    def status_check(self, out, n):
        return out.count(b"run: ") >= n

    def stop(self, p):
        # SIGHUP: runsvdir sends TERM to every runsv (which stops its
        # service and exits), then exits. SIGTERM would leave them running.
        p.send_signal(signal.SIGHUP)


class PM2(Peer):
    name = "pm2"

    def settings_text(self, s):
        if s == "default":
            return "pm2-runtime, interpreter none, fork mode, defaults " \
                   "(min_uptime 1 s, max_restarts 16, logs in PM2_HOME)"
        return "min_uptime 0, max_restarts 1000000, restart_delay 0, " \
               "out/error_file /dev/null, vizion off, pmx off"

    def setup(self, d, n, s, fifo, env, strategy):
        self.home = os.path.join(d, "pm2home")
        apps = []
        for i in range(n):
            a = {"name": "c%d" % i, "script": self.ctx.stamp, "args": [fifo],
                 "interpreter": "none", "exec_mode": "fork",
                 "autorestart": True, "kill_timeout": 200}
            if s == "fast":
                a.update({"min_uptime": 0, "max_restarts": 1000000,
                          "restart_delay": 0, "out_file": "/dev/null",
                          "error_file": "/dev/null", "vizion": False,
                          "pmx": False, "automation": False})
            if env:
                a["env"] = dict(env)
            apps.append(a)
        path = os.path.join(d, "ecosystem.json")
        with open(path, "w") as f:
            json.dump({"apps": apps}, f)
        return [self.ctx.pm2("pm2-runtime"), "start", path]

    def env(self):
        e = dict(os.environ)
        e["PM2_HOME"] = self.home
        return e

    def status_argv(self):
        return [self.ctx.pm2("pm2"), "jlist"]

    def status_check(self, out, n):
        return out.count(b'"status":"online"') >= n


# ---------------------------------------------------------------- instances

class Instance:
    """One running supervisor with n children, in its own temp dir."""

    def __init__(self, ctx, peer, s, n, env=None, strategy="one_for_one"):
        self.ctx, self.peer, self.s, self.n = ctx, peer, s, n
        self.dir = tempfile.mkdtemp(prefix="herd-bench-%s." % peer.name)
        self.fifo = os.path.join(self.dir, "stamps")
        os.mkfifo(self.fifo)
        self.fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)
        self.argv = peer.setup(self.dir, n, s, self.fifo, env or {}, strategy)
        self.buf = b""
        self.pids = {}
        self.proc = None

    def start(self, timeout, stall=None):
        """Launch; wait for n stamps. Returns (started, ms to the last
        child's exec)."""
        errf = open(os.path.join(self.dir, "stderr.log"), "wb")
        t0 = now_ns()
        self.proc = popen(self.argv, cwd=self.dir, env=self.peer.env(),
                          stdin=subprocess.DEVNULL, stdout=errf, stderr=errf)
        self.t0 = t0
        last = t0
        deadline = time.monotonic() + timeout
        seen = time.monotonic()
        while len(self.pids) < self.n and time.monotonic() < deadline:
            for pid, st in self.read_stamps(min(0.5, deadline - time.monotonic())):
                self.pids[pid] = st
                last = max(last, st)
                seen = time.monotonic()
            if self.proc.poll() is not None:
                break
            if stall and self.pids and time.monotonic() - seen > stall:
                break
        return len(self.pids), (last - t0) / 1e6

    def read_stamps(self, wait):
        out = []
        r, _, _ = select.select([self.fd], [], [], max(wait, 0))
        if r:
            try:
                while True:
                    chunk = os.read(self.fd, 65536)
                    if not chunk:
                        break
                    self.buf += chunk
            except BlockingIOError:
                pass
        *lines, self.buf = self.buf.split(b"\n")
        for ln in lines:
            try:
                pid, st = ln.split()
                out.append((int(pid), int(st)))
            except ValueError:
                pass
        return out

    def drain(self):
        while self.read_stamps(0):
            pass

    def write_pids(self):
        path = os.path.join(self.dir, "pids")
        live = [(p, s) for p, s in self.pids.items() if os.path.exists("/proc/%d" % p)]
        with open(path, "w") as f:
            for p, s in live[: self.n]:
                f.write("%d %d\n" % (p, s))
        return path, len(live[: self.n])

    def sup_pids(self):
        return self.peer.sup_pids(self.proc.pid)

    def footprint(self):
        pids = self.sup_pids()
        rss = pss = 0
        for p in pids:
            r, q = smaps(p)
            rss += r
            pss += q
        return len(pids), rss, pss

    def ticks(self):
        return sum(cpu_ticks(p) for p in self.sup_pids())

    def ctx_sw(self):
        return sum(ctx_switches(p) for p in self.sup_pids())

    def status_once(self):
        argv = self.peer.status_argv()
        t0 = time.monotonic()
        r = subprocess.run(argv, env=self.peer.env(), cwd=self.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=120)
        ms = (time.monotonic() - t0) * 1000
        return ms, r.stdout

    def stop(self):
        if self.proc is None:
            return
        table = proc_children()
        snapshot = descendants(self.proc.pid, table)
        if self.proc.poll() is None:
            try:
                self.peer.stop(self.proc)
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log("%s did not stop in 5 s: SIGKILL" % self.peer.name)
                self.proc.kill()
                self.proc.wait()
        # anything it left behind (runsv, s6-supervise, stamps), by PID
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = [p for p in snapshot if os.path.exists("/proc/%d" % p)
                     and exe_of(p)]
            if not alive:
                break
            time.sleep(0.1)
            reap_orphans()
        for p in snapshot:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap_orphans()
        os.close(self.fd)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.proc = None


# ---------------------------------------------------------------- the runner

class Ctx:
    def __init__(self, args):
        self.b = os.path.abspath(args.build)
        self.herdd = os.path.join(self.b, "herdd")
        self.herdctl = os.path.join(self.b, "herdctl")
        self.stamp = os.path.join(self.b, "bench", "stamp")
        self.pm2dir = os.path.join(ROOT, "bench", ".cache", "pm2")

    def bin(self, name):
        return os.path.join(self.b, "bench", name)

    def pm2(self, name):
        return os.path.join(self.pm2dir, "node_modules", ".bin", name)


class CSV:
    def __init__(self, path, header):
        self.f = open(path, "w")
        self.f.write(header + "\n")

    def row(self, *vals):
        self.f.write(",".join(str(v) for v in vals) + "\n")
        self.f.flush()


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


class Bench:
    def __init__(self, args):
        self.a = args
        self.ctx = Ctx(args)
        q = args.quick
        # sizes and budgets: --quick runs the same code paths, smaller
        self.n_restart = [50] if q else [10, 1000]
        self.n_foot = [50] if q else [100, 1000, 10000]
        self.n_big = 50 if q else 1000
        self.samples = 20 if q else 200
        self.restart_budget = 2 if q else 25     # s per restart run
        self.slow_budget = 2 if q else 8         # the same, ~1 s restarts
        self.settle = 0.5 if q else 1.0          # s after start-up
        self.idle_s = 10 if q else 60
        # s of quiet before the idle count starts, for every peer: the
        # start-up check's connection still has timers running (herdd's
        # listener guard checks for 5 s after a connection; nng's expiry
        # thread wakes at the 10 s handshake deadline it armed)
        self.idle_quiet = idle_quiet(q)
        self.calls = 10 if q else 50
        self.ctl_budget = 1 if q else 4         # s of status calls per run
        self.storm_s = 5 if q else 30
        self.mass_samples = 2 if q else 10
        self.start_timeout = 20 if q else 60
        self.huge_timeout = 20                  # start-up of 10,000
        self.stall = 8                          # s without a new stamp: stop waiting
        self.min_up_ms = 1100
        os.makedirs(args.out, exist_ok=True)
        o = lambda n: os.path.join(args.out, n)
        self.c_restart = CSV(o("restart.csv"), "peer,settings,children,sample,latency_us")
        self.c_rsum = CSV(o("restart-summary.csv"), "peer,settings,children,samples,timeouts,min_us,p50_us,p99_us,max_us,note")
        self.c_foot = CSV(o("footprint.csv"), "peer,settings,children,running,procs,rss_kib,pss_kib")
        self.c_idle = CSV(o("idle.csv"), "peer,settings,children,seconds,cpu_ticks,ctx_switches,clk_tck")
        self.c_start = CSV(o("startup.csv"), "peer,settings,children,started,running_ms,ready_ms,note")
        self.c_mass = CSV(o("mass.csv"), "peer,settings,children,sample,latency_us")
        self.c_ctl = CSV(o("control.csv"), "peer,settings,children,call,ms")
        self.c_storm = CSV(o("storm.csv"), "peer,settings,children,seconds,restarts,restarts_per_s,cpu_ticks,clk_tck,ctl_calls,ctl_p50_ms,ctl_p99_ms")
        self.c_notes = CSV(o("notes.csv"), "peer,row,note")
        peers = [Herd, Bare, Supervisord, S6, Runit, PM2]
        only = set(args.only.split(",")) if args.only else None
        self.peers = [P(self.ctx) for P in peers if only is None or P.name in only]

    def note(self, peer, row, text):
        log("note:", peer, row, text)
        self.c_notes.row(peer, row, '"%s"' % text.replace('"', "'"))

    # -- pieces of work on a running instance

    def do_restart(self, inst, s, n):
        pidfile, live = inst.write_pids()
        if live < n:
            self.note(inst.peer.name, "restart", "only %d of %d children up" % (live, n))
            return
        raw = os.path.join(inst.dir, "samples.csv")
        budget = self.slow_budget if s in inst.peer.slow else self.restart_budget
        argv = [self.ctx.bin("restart"), "-n", str(n), "-p", pidfile, "-s",
                str(self.samples), "-m", str(self.min_up_ms), "-T",
                str(budget), "-w", "3000", "-o", raw,
                "-P", pidfile, inst.fifo]
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=self.restart_budget + 120)
        out = r.stdout.decode().strip()
        log(inst.peer.name, s, "restart:", out, r.stderr.decode().strip())
        kv = dict(x.split("=") for x in out.split() if "=" in x)
        note = ""
        if int(kv.get("samples", 0)) < self.samples:
            note = "capped at %d s" % budget
        self.c_rsum.row(inst.peer.name, s, n, kv.get("samples", 0),
                        kv.get("timeouts", 0), kv.get("min_us", ""),
                        kv.get("p50_us", ""), kv.get("p99_us", ""),
                        kv.get("max_us", ""), note)
        if os.path.exists(raw):
            with open(raw) as f:
                for line in f:
                    i, ns = line.strip().split(",")
                    self.c_restart.row(inst.peer.name, s, n, i, "%.1f" % (int(ns) / 1e3))
        # the driver kept track of the replacements
        inst.pids = {}
        with open(pidfile) as f:
            for line in f:
                p, st = line.split()
                inst.pids[int(p)] = int(st)

    def do_control(self, inst, s, n, budget=None, calls=None):
        if inst.peer.status_argv() is None:
            return
        budget = budget or self.ctl_budget
        calls = calls or self.calls
        prev = getattr(inst.peer, "ctl_per_child_ms", None)
        if prev is not None and prev * n > 2000 * budget:
            self.note(inst.peer.name, "control", "n=%d not run: one call would take about %.0f s (%.2f ms per child at the smaller fleet)" % (n, prev * n / 1000, prev))
            return
        lat, t_end = [], time.monotonic() + budget
        ok = True
        for i in range(calls):
            ms, out = inst.status_once()
            if i == 0 and not inst.peer.status_check(out, n):
                ok = False
            lat.append(ms)
            self.c_ctl.row(inst.peer.name, s, n, i, "%.2f" % ms)
            if time.monotonic() > t_end:
                break
        if not ok:
            self.note(inst.peer.name, "control", "status at n=%d did not list every child running" % n)
        if len(lat) < calls:
            self.note(inst.peer.name, "control", "n=%d: %d calls (capped at %d s)" % (n, len(lat), budget))
        inst.peer.ctl_per_child_ms = pct(lat, 50) / n
        log(inst.peer.name, s, n, "control p50 %.1f ms p99 %.1f ms (%d calls)" %
            (pct(lat, 50), pct(lat, 99), len(lat)))

    def launch(self, peer, s, n, **kw):
        inst = Instance(self.ctx, peer, s, n, **kw)
        limit = self.start_timeout if n <= 1000 else self.huge_timeout
        started, ms = inst.start(limit, self.stall)
        ready = ""
        if started >= n and isinstance(peer, Herd):
            r = subprocess.run(peer.ready_argv(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                ready = "%.1f" % ((now_ns() - inst.t0) / 1e6)
        note = "" if started >= n else "only %d of %d started (waited %d s, or %d s without a new one)" % (
            started, n, limit, self.stall)
        log(peer.name, s, n, "started %d in %.0f ms %s" % (started, ms, note))
        return inst, started, ms, ready, note

    # -- the rows

    def run_peer(self, peer):
        log("==== %s" % peer.name)
        tck = os.sysconf("SC_CLK_TCK")
        first = peer.settings()[0]
        # rows 1 (restart), 2 (footprint, idle), 3 (start-up), 5 (control)
        for n in sorted(set(self.n_restart + self.n_foot)):
            if peer.max_n and n > peer.max_n:
                self.note(peer.name, "all", "n=%d not run: %s" % (n, peer.max_n_why))
                continue
            for s in peer.settings():
                main = s == first
                if not main and n not in self.n_restart:
                    continue
                if self.a.quick and not main and not isinstance(peer, Herd):
                    continue  # quick: each peer's defaults only
                inst, started, ms, ready, note = self.launch(peer, s, n)
                try:
                    if started == 0:
                        self.c_start.row(peer.name, s, n, 0, "", "", note)
                        continue
                    if main or isinstance(peer, Herd):
                        self.c_start.row(peer.name, s, n, started, "%.1f" % ms, ready, note)
                    time.sleep(self.settle)
                    inst.drain()
                    if main or isinstance(peer, Herd):
                        procs, rss, pss = inst.footprint()
                        self.c_foot.row(peer.name, s, n, started, procs, rss, pss)
                        log(peer.name, s, n, "footprint %d procs rss %d KiB pss %d KiB" % (procs, rss, pss))
                    if main and n == self.n_big and not isinstance(peer, Bare):
                        time.sleep(self.idle_quiet)
                        t0, c0 = inst.ticks(), inst.ctx_sw()
                        time.sleep(self.idle_s)
                        t1, c1 = inst.ticks(), inst.ctx_sw()
                        self.c_idle.row(peer.name, s, n, self.idle_s, t1 - t0, c1 - c0, tck)
                        log(peer.name, s, n, "idle %d s: %d ticks, %d context switches" % (self.idle_s, t1 - t0, c1 - c0))
                    if main and started >= n:
                        self.do_control(inst, s, n)
                    if n in self.n_restart and started >= n:
                        self.do_restart(inst, s, n)
                finally:
                    inst.stop()
        # row 4: one_for_all mass restart
        if peer.mass:
            self.run_mass(peer, first)
        else:
            self.note(peer.name, "mass", "no one_for_all (no group restart on a member's death)")
        # row 6: restart storm
        self.run_storm(peer)

    def run_mass(self, peer, s):
        n = self.n_big
        inst, started, ms, ready, note = self.launch(peer, s, n, strategy="one_for_all")
        try:
            if started < n:
                self.note(peer.name, "mass", note)
                return
            pidfile, live = inst.write_pids()
            raw = os.path.join(inst.dir, "mass.csv")
            argv = [self.ctx.bin("restart"), "-A", "-n", str(n), "-p", pidfile,
                    "-s", str(self.mass_samples), "-w", "30000", "-o", raw, inst.fifo]
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
            log(peer.name, "mass:", r.stdout.decode().strip(), r.stderr.decode().strip())
            if os.path.exists(raw):
                with open(raw) as f:
                    for line in f:
                        i, ns = line.strip().split(",")
                        self.c_mass.row(peer.name, s, n, i, "%.1f" % (int(ns) / 1e3))
        finally:
            inst.stop()

    def run_storm(self, peer):
        if isinstance(peer, Bare):
            s = "default"
        else:
            s = peer.settings()[-1] if not isinstance(peer, Herd) else "null"
        n = self.n_big
        tck = os.sysconf("SC_CLK_TCK")
        inst, started, ms, ready, note = self.launch(peer, s, n, env={"STAMP_EXIT": "1"})
        try:
            if started < n:
                self.note(peer.name, "storm", note)
            raw = os.path.join(inst.dir, "storm.csv")
            argv = [self.ctx.bin("restart"), "-S", str(self.storm_s), "-o", raw, inst.fifo]
            t0 = inst.ticks()
            drv = popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            lat = []
            end = time.monotonic() + self.storm_s
            if peer.status_argv() is not None:
                while time.monotonic() < end:
                    try:
                        ms, _ = inst.status_once()
                    except subprocess.TimeoutExpired:
                        ms = 120000
                    lat.append(ms)
            out, err = drv.communicate(timeout=self.storm_s + 30)
            t1 = inst.ticks()
            kv = dict(x.split("=") for x in out.decode().split() if "=" in x)
            log(peer.name, s, "storm:", out.decode().strip(), "ctl calls %d p99 %.1f ms" % (len(lat), pct(lat, 99)))
            self.c_storm.row(peer.name, s, n, self.storm_s, kv.get("stamps", 0),
                             kv.get("per_s", 0), t1 - t0, tck, len(lat),
                             "%.1f" % pct(lat, 50) if lat else "",
                             "%.1f" % pct(lat, 99) if lat else "")
        finally:
            inst.stop()

    def run(self):
        t0 = time.monotonic()
        for peer in self.peers:
            pt = time.monotonic()
            try:
                self.run_peer(peer)
            except Exception as e:  # one peer failing must not stop the rest
                import traceback
                traceback.print_exc()
                self.note(peer.name, "all", "run failed: %s" % e)
            log("%s took %.0f s" % (peer.name, time.monotonic() - pt))
        log("total %.0f s" % (time.monotonic() - t0))


def idle_quiet(quick):
    """s of quiet before the idle count (quick: none, to stay in 2 min)."""
    return 0 if quick else 12


def machine(out, quick):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL).stdout.decode().strip()
        except Exception:
            return ""
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "mode": "quick" if quick else "full",
        "nproc": sh("nproc"),
        "lscpu": sh("lscpu | head -n 15"),
        "kernel": sh("uname -srvm"),
        "mem": sh("free -m | sed -n 2p"),
        "pid_max": sh("cat /proc/sys/kernel/pid_max"),
        "nofile": sh("ulimit -n; ulimit -Hn"),
        "versions": {
            "supervisord": sh("supervisord --version"),
            "s6": sh("dpkg-query -W -f '${Version}' s6"),
            "runit": sh("dpkg-query -W -f '${Version}' runit"),
            "pm2": sh("cat bench/.cache/pm2/node_modules/pm2/package.json | "
                      "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"version\"])'"),
            "node": sh("node --version"),
            "python3 (supervisord)": sh("/usr/bin/python3 --version"),
        },
        "load_before": sh("cat /proc/loadavg"),
        "idle_quiet_s": idle_quiet(quick),
    }
    with open(os.path.join(out, "machine.json"), "w") as f:
        json.dump(info, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build", default=os.path.join(ROOT, "bench", ".cache", "build"))
    ap.add_argument("--out")
    ap.add_argument("--only", help="comma-separated peers")
    args = ap.parse_args()
    if args.out is None:
        args.out = os.path.join(ROOT, "bench", "results", "quick" if args.quick else "")
    os.chdir(ROOT)
    # child subreaper: whatever a peer leaves behind is re-parented to us
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    os.makedirs(args.out, exist_ok=True)
    machine(args.out, args.quick)
    try:
        Bench(args).run()
    finally:
        cleanup_all()


if __name__ == "__main__":
    main()
