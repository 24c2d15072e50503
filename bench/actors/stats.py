#!/usr/bin/env python3
"""bench/actors/run.sh's helper: /proc readings and statistics, no process
control (run.sh starts and stops everything).

  stats.py machine                        machine description, JSON
  stats.py snap OUT HERDD_PID ACTORS_JSON [--mem]
                                          context switches (every thread)
                                          and CPU ticks of herdd and of
                                          every actor herdctl listed
  stats.py wake S0 S1 S2                  wake-ups S0->S1 (settling) and
                                          S1->S2 (the idle figure), JSON
  stats.py report RAW MACHINE CSV         writes CSV, prints the tables
"""
import json
import os
import statistics
import subprocess
import sys
import time


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout.decode().strip()
    except OSError:
        return ""


def machine():
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "nproc": sh("nproc"),
        "model": sh("lscpu | sed -n 's/^Model name: *//p'"),
        "kernel": sh("uname -srvm"),
        "mem": sh("free -m | sed -n 2p"),
        "cpuidle": sh("cat /sys/devices/system/cpu/cpuidle/current_driver"),
        "pid_max": sh("cat /proc/sys/kernel/pid_max"),
        "nofile": sh("ulimit -n; ulimit -Hn").replace("\n", "/"),
        "load_before": sh("cat /proc/loadavg"),
        "git": sh("git rev-parse --short HEAD") + (
            " + uncommitted changes" if sh("git status --porcelain -uno") else ""),
        "changed": " ".join(l.split(None, 1)[-1] for l in sh(
            "git status --porcelain -- worker supervisord conf ipc").splitlines()),
        "versions": {
            "nng": sh("dpkg-query -W -f '${Version}' libnng1"),
            "libevent": sh("pkg-config --modversion libevent"),
            "cjson": sh("pkg-config --modversion libcjson"),
            "cc": sh("${CC:-cc} --version | head -n 1"),
        },
    }
    print(json.dumps(info, indent=1))


# ---------------------------------------------------------------- /proc

def threads(pid):
    """tid -> [comm, voluntary + nonvoluntary context switches]."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                comm = f.read().strip()
            n = 0
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")):
                        n += int(line.split()[1])
            out[t] = [comm, n]
        except OSError:
            pass
    return out


def ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        fl = s[s.rindex(")") + 2:].split()
        return int(fl[11]) + int(fl[12])
    except (OSError, ValueError, IndexError):
        return 0


def mem(pid):
    out = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith(("Rss:", "Pss:")):
                    out[line.split(":")[0].lower() + "_kib"] = int(line.split()[1])
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["vmrss_kib"] = int(line.split()[1])
    except OSError:
        pass
    return out


def snap(out, herdd, actors_json, with_mem):
    with open(actors_json) as f:
        pids = [a["pid"] for a in json.load(f).get("actors", [])]
    t0 = time.monotonic()
    d = {"t": t0, "herdd": {"pid": herdd, "threads": threads(herdd),
                            "ticks": ticks(herdd)}, "actors": {}}
    for p in pids:
        th = threads(p)
        by = {}
        for comm, n in th.values():
            by[comm] = by.get(comm, 0) + n
        d["actors"][str(p)] = {"ctx": sum(by.values()), "by": by,
                               "threads": len(th), "ticks": ticks(p)}
    if with_mem:
        d["herdd"]["mem"] = mem(herdd)
        for p in pids:
            d["actors"][str(p)]["mem"] = mem(p)
    d["read_s"] = time.monotonic() - t0
    with open(out, "w") as f:
        json.dump(d, f)


def diff(a, b):
    ha, hb = a["herdd"]["threads"], b["herdd"]["threads"]
    by = {}
    for tid, (comm, n) in hb.items():
        k = n - ha.get(tid, [comm, 0])[1]
        if k:
            by[comm] = by.get(comm, 0) + k
    per, aby = {}, {}
    for p, v in b["actors"].items():
        if p in a["actors"]:
            per[p] = v["ctx"] - a["actors"][p]["ctx"]
            for comm, n in v["by"].items():
                k = n - a["actors"][p]["by"].get(comm, 0)
                if k:
                    aby[comm] = aby.get(comm, 0) + k
    ticks_a = sum(v["ticks"] - a["actors"][p]["ticks"]
                  for p, v in b["actors"].items() if p in a["actors"])
    return {"secs": round(b["t"] - a["t"], 2),
            "herdd_wakeups": sum(by.values()), "herdd_by_thread": by,
            "herdd_ticks": b["herdd"]["ticks"] - a["herdd"]["ticks"],
            "actors": len(per), "actor_wakeups": sum(per.values()),
            "actors_woken": sum(1 for v in per.values() if v),
            "actor_by_thread": aby,
            "actor_wakeups_max": max(per.values()) if per else 0,
            "actor_ticks": ticks_a}


def wake(s0, s1, s2):
    a, b, c = (json.load(open(p)) for p in (s0, s1, s2))
    m = a["herdd"].get("mem", {})
    am = [v.get("mem", {}) for v in a["actors"].values()]
    n = len(am) or 1
    r = {"idle": diff(b, c), "settle": diff(a, b),
         "herdd_mem": m,
         "actor_rss_kib_mean": round(sum(x.get("rss_kib", 0) for x in am) / n, 1),
         "actor_pss_kib_mean": round(sum(x.get("pss_kib", 0) for x in am) / n, 1),
         "actor_pss_kib_sum": sum(x.get("pss_kib", 0) for x in am),
         "actor_threads": statistics.median([v["threads"] for v in a["actors"].values()] or [0]),
         "read_s": round(a["read_s"], 2)}
    print(json.dumps(r))


# ---------------------------------------------------------------- report

def load(raw):
    cases, errors = {}, {}
    with open(raw) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                errors.setdefault("?", []).append(line[:200])
                continue
            if "error" in e:
                errors.setdefault(e["case"], []).append(e["error"])
            else:
                cases.setdefault(e["case"], []).append(e)
    return cases, errors


def flatten(prefix, v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(prefix + ("." if prefix else "") + k, x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            flatten("%s[%d]" % (prefix, i), x, out)
    else:
        out.append((prefix, v))


def rate(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return "%.2f M/s" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k/s" % (x / 1e3)
    return "%.0f /s" % x


def us(x):
    return "-" if x is None else ("%.0f µs" % x if x >= 100 else "%.1f µs" % x)


class R:
    def __init__(self, cases, errors):
        self.c, self.e = cases, errors

    def runs(self, case):
        return self.c.get(case, [])

    def per_s(self, case):
        v = [e["r"]["per_s"] for e in self.runs(case) if "per_s" in e["r"]]
        return statistics.median(v) if v else None

    def spread(self, case):
        v = [e["r"]["per_s"] for e in self.runs(case) if "per_s" in e["r"]]
        return (min(v), max(v)) if v else None

    def rtt_run(self, case):
        r = sorted((e for e in self.runs(case) if "p50_us" in e["r"]),
                   key=lambda e: e["r"]["p50_us"])
        return r[len(r) // 2] if r else None

    def rtt(self, case, k):
        e = self.rtt_run(case)
        return e["r"].get(k) if e else None

    def p50s(self, case):
        return [e["r"]["p50_us"] for e in self.runs(case) if "p50_us" in e["r"]]

    def first(self, case):
        r = self.runs(case)
        return r[0] if r else None

    def failed(self, case):
        if case in self.e:
            return "FAILED: " + " / ".join(self.e[case])[:300]
        return None


def threads_txt(by, checks):
    """Wake-ups a check, by thread name, largest first."""
    return ", ".join("%s %.1f" % (k, v / checks) for k, v in
                     sorted(by.items(), key=lambda kv: -kv[1]))


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    q = a / b
    return ("%.2f×" % q) if q < 10 else ("%.0f×" % q)


def delta(a, b):
    if a is None or b is None:
        return "-"
    return "%+.0f µs (%.2f×)" % (a - b, a / b) if b else "-"


def report(raw, machine_json, csv_path):
    cases, errors = load(raw)
    m = json.load(open(machine_json))
    with open(csv_path, "w") as f:
        f.write("case,rep,metric,value\n")
        for case, es in cases.items():
            for e in es:
                flat = []
                flatten("", {k: v for k, v in e.items()
                             if k not in ("case", "rep")}, flat)
                for k, v in flat:
                    f.write("%s,%s,%s,%s\n" % (case, e.get("rep", 1), k,
                                               json.dumps(v) if isinstance(v, str) else v))
        for case, es in errors.items():
            for x in es:
                f.write("%s,,error,%s\n" % (case, json.dumps(x)))
    r = R(cases, errors)
    out = []
    w = out.append

    def spread_txt(case):
        s = r.spread(case)
        return "" if s is None else " (%s-%s)" % (rate(s[0]).split()[0], rate(s[1]))

    w("Run %s, herd %s%s, on %s (%s CPUs, %s; cpuidle %s); nng %s, libevent %s. "
      "Throughput: the median of %d runs (min-max after it). Round trips: "
      "%d runs of 20,000 after 2,000 unmeasured, the run with the median p50 "
      "shown (p50 of each run in brackets); on CPU 0: %d runs." % (
          m["date"], m.get("git", "?"),
          " (%s)" % m["changed"] if m.get("changed") else "", m["model"], m["nproc"], m["kernel"], m["cpuidle"],
          m["versions"]["nng"], m["versions"]["libevent"],
          len(r.runs("herd.cast.id.64")), len(r.runs("herd.call.id.64")),
          len(r.runs("herd.call.id.64.cpu0"))))
    w("")
    w("| case | herd | raw nng | herd ÷ nng | Unix SOCK_SEQPACKET | herd ÷ Unix |")
    w("|---|---|---|---|---|---|")

    def thr(label, hc, nc, uc, nlabel="", ulabel=""):
        h = r.per_s(hc)
        cell = r.failed(hc) or (rate(h) + spread_txt(hc))
        n = r.per_s(nc) if nc else None
        u = r.per_s(uc) if uc else None
        w("| %s | %s | %s | %s | %s | %s |" % (
            label, cell,
            (r.failed(nc) or rate(n) + nlabel) if nc else "-",
            ratio(h, n) if nc else "-",
            (r.failed(uc) or rate(u) + ulabel) if uc else "-",
            ratio(h, u) if uc else "-"))

    thr("cast 64 B, 1 sender -> 1, by id, 1,000 casts a callback",
        "herd.cast.id.64", "nng.push.64", "unix.flood.64",
        " (one message each)")
    thr("the same against nng carrying herd's batches",
        "herd.cast.id.64", "nng.push.64.batch745", None,
        " (745 records of 64 B a message)")
    thr("cast 64 B by name (cached after the first), 1,000 a callback",
        "herd.cast.name.64", "nng.push.64", "unix.flood.64")
    thr("cast 4 KiB, 1 sender -> 1, by id", "herd.cast.id.4096",
        "nng.push.4096", "unix.flood.4096", " (one message each)")
    thr("cast 64 B, 8 senders -> 1, by id (baselines: 1 sender)",
        "herd.cast.id.64.x8", "nng.push.64", "unix.flood.64")
    thr("cast 64 B by id, 1 cast a callback", "herd.cast.id.64.burst1",
        "nng.push.64", "unix.flood.64")
    thr("cast 64 B by name, 1 cast a callback",
        "herd.cast.name.64.burst1", "nng.push.64", "unix.flood.64")

    def rt(label, hc, nc, uc):
        def cell(c):
            return r.failed(c) or "%s / %s (%s) [%s]" % (
                us(r.rtt(c, "p50_us")), us(r.rtt(c, "p99_us")),
                rate(r.rtt(c, "per_s")),
                ", ".join("%.1f" % x for x in r.p50s(c)))

        def gap(a, b):
            if r.failed(a) or r.failed(b) or r.rtt_run(a) is None or r.rtt_run(b) is None:
                return "-"
            return "p50 %s, p99 %s" % (
                delta(r.rtt(a, "p50_us"), r.rtt(b, "p50_us")),
                delta(r.rtt(a, "p99_us"), r.rtt(b, "p99_us")))
        w("| %s | %s | %s | %s | %s | %s |" % (
            label, cell(hc), cell(nc) if nc else "-", gap(hc, nc) if nc else "-",
            cell(uc) if uc else "-", gap(hc, uc) if uc else "-"))

    rt("call round trip 64 B, p50 / p99 (round trips/s), by id",
       "herd.call.id.64", "nng.req.64", "unix.rtt.64")
    rt("the same by name (cached)", "herd.call.name.64", "nng.req.64",
       "unix.rtt.64")
    rt("the same with every process on CPU 0 (taskset)",
       "herd.call.id.64.cpu0", "nng.req.64.cpu0", "unix.rtt.64.cpu0")

    # lookups and first casts
    wh = r.rtt_run("herd.whereis")
    w("| herd_whereis of a name not cached (a round trip to herdd), p50 / p99 "
      "of %s | %s | - | - | - | - |" % (
          wh["r"]["n"] if wh else "-", r.failed("herd.whereis") or
          "%s / %s (%s)" % (us(r.rtt("herd.whereis", "p50_us")),
                            us(r.rtt("herd.whereis", "p99_us")),
                            rate(r.rtt("herd.whereis", "per_s")))))
    nm = r.first("herd.cast.name.first")
    s0 = r.first("herd.cast.id.64")
    if nm and nm.get("senders") and s0 and s0.get("senders"):
        a, b = nm["senders"][0] or {}, s0["senders"][0] or {}
        w("| a fresh sender's first herd_cast_name (whereis + connect; the "
          "cast returns before delivery), one sample | %s | - | - | - | - |"
          % us(a.get("first_cast_us")))
        w("| a fresh sender's herd_whereis, then its first herd_cast by id "
          "(connect), one sample | %s, then %s | - | - | - | - |"
          % (us(b.get("whereis_us")), us(b.get("first_cast_us"))))
        an = r.first("herd.cast.name.64")
        if an and an.get("senders"):
            w("| the same sender's first herd_cast_name once the name is cached "
              "| %s | - | - | - | - |"
              % us((an["senders"][0] or {}).get("first_cast_us")))

    idle = r.first("herd.idle.1000")
    live = r.first("herd.liveness.100")
    if idle:
        i = idle["r"]["idle"]
        w("| %d idle actors (asked %d), %.1f s: wake-ups | herdd %d, actors %d "
          "(%d of %d woke; all threads) | - | - | - | - |" % (
              idle["up"], idle["asked"], i["secs"], i["herdd_wakeups"],
              i["actor_wakeups"], i["actors_woken"], i["actors"]))
        s = idle["r"]["settle"]
        w("| the %.1f s before (right after start-up and one herdctl) | "
          "herdd %d %s, actors %d | - | - | - | - |" % (
              s["secs"], s["herdd_wakeups"], json.dumps(s["herdd_by_thread"]),
              s["actor_wakeups"]))
    else:
        w("| 1,000 idle actors | %s | - | - | - | - |" % (
            r.failed("herd.idle.1000") or "not measured"))
    if live:
        i = live["r"]["idle"]
        checks = live["up"] * i["secs"]  # liveness_ms 1000: 1 a second each
        w("| %d actors with liveness_ms 1000, %.1f s (~%.0f checks) | herdd %d "
          "(%.1f a check: %s), actors %d (%.1f a check: %s) | - | - | - | - |" % (
              live["up"], i["secs"], checks, i["herdd_wakeups"],
              i["herdd_wakeups"] / checks, threads_txt(i["herdd_by_thread"], checks),
              i["actor_wakeups"], i["actor_wakeups"] / checks,
              threads_txt(i["actor_by_thread"], checks)))
    else:
        w("| 100 actors with liveness | %s | - | - | - | - |" % (
            r.failed("herd.liveness.100") or "not measured"))
    if idle:
        hm = idle["r"]["herdd_mem"]
        n = idle["up"]
        marg = ""
        if live and live["r"]["herdd_mem"].get("pss_kib"):
            lm = live["r"]["herdd_mem"]
            marg = "; %.1f KiB PSS an actor between %d and %d actors" % (
                (hm["pss_kib"] - lm["pss_kib"]) / (n - live["up"]), live["up"], n)
        w("| herdd with %d actors: VmRSS / PSS | %.1f / %.1f MiB: %.1f / %.1f KiB "
          "an actor%s | - | - | - | - |" % (
              n, hm["vmrss_kib"] / 1024, hm["pss_kib"] / 1024,
              hm["vmrss_kib"] / n, hm["pss_kib"] / n, marg))
        w("| an idle actor process: RSS / PSS, threads | %.0f / %.0f KiB, %s "
          "threads (%.0f MiB PSS for all %d) | - | - | - | - |" % (
              idle["r"]["actor_rss_kib_mean"], idle["r"]["actor_pss_kib_mean"],
              idle["r"]["actor_threads"], idle["r"]["actor_pss_kib_sum"] / 1024, n))
        w("| start-up of %d actors (herdd launch to the last running) | %s s "
          "(%.1f ms an actor) | - | - | - | - |" % (
              n, idle["up_s"], float(idle["up_s"]) * 1000 / n))

    # the targets
    w("")
    w("| target | measured | met? |")
    w("|---|---|---|")
    h = r.per_s("herd.cast.id.64")
    h1 = r.per_s("herd.cast.id.64.burst1")
    w("| >= 200,000 casts/s of 64 B, one sender | %s (1,000 a callback); %s "
      "(1 a callback) | %s |" % (rate(h), rate(h1),
                                 "yes" if h and h >= 2e5 and (h1 or 0) >= 2e5
                                 else ("yes at 1,000 a callback" if h and h >= 2e5 else "no")))
    hp50, hp99 = r.rtt("herd.call.id.64", "p50_us"), r.rtt("herd.call.id.64", "p99_us")
    np50, np99 = r.rtt("nng.req.64", "p50_us"), r.rtt("nng.req.64", "p99_us")
    cp50, cp99 = r.rtt("herd.call.id.64.cpu0", "p50_us"), r.rtt("herd.call.id.64.cpu0", "p99_us")
    mp50, mp99 = r.rtt("nng.req.64.cpu0", "p50_us"), r.rtt("nng.req.64.cpu0", "p99_us")
    if None not in (hp50, hp99, np50, np99):
        ok = hp50 <= np50 and hp99 <= np99
        tie = hp50 <= np50 * 1.05 and hp99 <= np99 * 1.05
        pin = None not in (cp50, cp99, mp50, mp99)
        pin_ok = pin and cp50 <= mp50 and cp99 <= mp99
        if ok and (pin_ok or not pin):
            verdict = "yes"
        elif ok:
            verdict = ("across CPUs yes (p50 %+.0f µs, p99 %+.0f µs); on one CPU "
                       "no (p50 %+.0f µs, p99 %+.0f µs)" % (
                           hp50 - np50, hp99 - np99, cp50 - mp50, cp99 - mp99))
        elif tie and pin and not pin_ok:
            verdict = ("no: a tie across CPUs (within 5%%), p50 %+.0f µs on one CPU"
                       % (cp50 - mp50))
        else:
            verdict = "no"
        w("| call round trip p50/p99 no worse than raw nng req/rep | across CPUs "
          "%s / %s against %s / %s; on CPU 0 %s / %s against %s / %s | %s |" % (
              us(hp50), us(hp99), us(np50), us(np99), us(cp50), us(cp99),
              us(mp50), us(mp99), verdict))
    else:
        w("| call round trip p50/p99 no worse than raw nng req/rep | not measured | no |")
    if idle:
        i = idle["r"]["idle"]
        z = i["herdd_wakeups"] + i["actor_wakeups"]
        w("| 0 wake-ups at 1,000 idle actors | herdd %d, actors %d in %.1f s "
          "(%d actors up) | %s |" % (i["herdd_wakeups"], i["actor_wakeups"],
                                     i["secs"], idle["up"],
                                     "yes" if z == 0 and idle["up"] >= 1000 else "no"))
    hn, hi = r.per_s("herd.cast.name.64"), r.per_s("herd.cast.id.64")
    hn1, hi1 = r.per_s("herd.cast.name.64.burst1"), r.per_s("herd.cast.id.64.burst1")
    if hn and hi:
        ok = hn >= 0.95 * hi and (not hn1 or not hi1 or hn1 >= 0.95 * hi1)
        w("| cast by name = cast by id after the first (within 5%%) | by name "
          "%s against %s (%.2f×); 1 a callback %s against %s (%s) | %s |" % (
              rate(hn), rate(hi), hn / hi, rate(hn1), rate(hi1),
              ratio(hn1, hi1), "yes" if ok else "no"))
    if errors:
        w("")
        for c, es in errors.items():
            for x in es:
                w("- %s: FAILED: %s" % (c, x[:500]))
    print("\n".join(out))


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] == "machine":
        machine()
    elif a[0] == "snap":
        snap(a[1], int(a[2]), a[3], "--mem" in a[4:])
    elif a[0] == "wake":
        wake(a[1], a[2], a[3])
    elif a[0] == "report":
        report(a[1], a[2], a[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
