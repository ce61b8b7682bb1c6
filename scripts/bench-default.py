#!/usr/bin/env python3
"""make bench: the default mode's cost and accuracy (issue 7's table).

For each Go version (BENCH_GO, default "1.27 1.19"), tests/tools/shares is
built twice: without runtime/pprof (the runtime samples nothing: gomemtrace
samples span refills within --overhead-budget) and with it (the runtime
samples its heap at 512 KiB: gomemtrace reads its heap profile, no
allocation probe). Untraced and traced runs alternate (BENCH_REPEAT rounds,
medians); the target's own CPU time for its allocation rounds is what it
prints (getrusage); the ratio is the median of the pairs' ratios. The
estimated cost is the overhead budget's (probe hits x the measured cost of
a trap + the kernel's BPF run times, over the target's CPU). The share error is the largest difference, over the
functions with >= 5 % of the bytes, between gomemtrace's share and the
runtime's MemProfileRate=1 profile of a separate run of the same workload.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import importlib.machinery
import importlib.util


def load(name, path):
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


td = load("test_default", os.path.join(ROOT, "tests", "integration", "test_default"))
exact = td.exact
TRACER = os.path.join(ROOT, "build", "gomemtrace")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def run(argv):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    return td.parse_stats(p.stdout)


def share_error(report, want):
    per = exact.report_per_function(report)
    total = sum(b for fn, (o, b) in per.items() if fn != exact.BACKGROUND) or 1
    return max(abs(per.get(fn, [0, 0])[1] / total - w) for fn, w in want.items()
               if w >= td.SHARE_MIN) * 100


def main():
    reader = os.environ["GOMEMTRACE_GO"]
    tmp = tempfile.mkdtemp(prefix="gomemtrace-bench-")
    print("Default mode: tests/tools/shares -rounds %d, medians of %d alternating rounds; "
          "target CPU (its own getrusage)" % (ROUNDS, REPEAT))
    print("%-7s %-22s %10s %10s %7s %10s %8s %8s %8s" % (
        "go", "runtime sampling", "untraced", "traced", "ratio", "hits/s", "share_err",
        "est.cost", "paused"))
    print("%-7s %-22s %10s %10s %7s %10s %8s %8s %8s" % (
        "", "", "ms", "ms", "", "", "points", "%", "%"))
    for v in os.environ.get("BENCH_GO", "1.27 1.19").split():
        want = td.truth(v, tmp, reader)
        for variant, label, extra in (("plain", "off (refill samples)", []),
                                      ("pprof", "on (runtime profile)", [])):
            exe = td.build(v, variant)
            base, traced, hits, err, cost, paused = [], [], [], [], [], []
            for i in range(REPEAT):
                s = run([exe, "-rounds", str(ROUNDS), "-linger", "0"])
                base.append(s["cpu_ns"])
                out = os.path.join(tmp, "t-%s-%s" % (v, variant))
                s = run([TRACER, "-q", "-o", out] + extra + ["--", exe, "-rounds", str(ROUNDS),
                                                            "-linger", "200ms"])
                traced.append(s["cpu_ns"])
                with open(os.path.join(out, "report.json")) as f:
                    r = json.load(f)
                h = r["cost"]["probe_hits"]
                hits.append(sum(h.values()) / (r["duration_ns"] / 1e9))
                err.append(share_error(r, want))
                # "budget" when there are no samples (the runtime's profile).
                smp = r.get("sampling") or r.get("budget")
                cost.append(smp["overhead"] * 100 if smp else 0)
                paused.append(100 * smp["paused_ns"] / r["duration_ns"] if smp else 0)
            b, t = statistics.median(base), statistics.median(traced)
            # The median of the pairs' ratios: each traced run against the
            # untraced run just before it, under the same machine load.
            ratio = statistics.median(x / y for x, y in zip(traced, base))
            print("%-7s %-22s %10.1f %10.1f %6.3fx %10.0f %8.2f %8.2f %8.1f" % (
                "go" + v, label, b / 1e6, t / 1e6, ratio, statistics.median(hits),
                statistics.median(err), statistics.median(cost), statistics.median(paused)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
