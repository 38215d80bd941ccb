#!/usr/bin/python3
"""Benchmarks of edusim: wall time, replicates per second, region-years per
second, peak memory (max RSS) and the speed-up from 1 thread to many.

    bench/run_bench.py [--edusim build/edusim] [--threads 1,2] [--quick]

Each case writes a synthetic scenario with bench/make_scenario.py (the same
numbers on every machine for a given seed), runs `edusim run` on it as a child
process, and measures the child alone (os.wait4 gives its own max RSS). The
output is a Markdown table for bench/README.md, headed by the machine it ran
on. A benchmark, not a test: nothing here passes or fails.
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def machine():
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, {platform.system()} {platform.release()}"


def run_case(edusim, scenario, threads, out):
    cmd = [edusim, "run", scenario, "-o", out, "--force", "--quiet", "-j", str(threads)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024.0  # MiB


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edusim", default="build/edusim")
    ap.add_argument("--threads", default="1,2",
                    help="thread counts, comma-separated; the first is the speed-up baseline")
    ap.add_argument("--quick", action="store_true", help="fewer replicates, for a smoke run")
    ap.add_argument("--cases", default="det,sto,mem",
                    help="det (3,000 regions x 30 years), sto (224 regions x 1,000 replicates), "
                         "mem (memory against replicates)")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    cases = args.cases.split(",")
    reps = 100 if args.quick else 1000
    work = tempfile.mkdtemp(prefix="edusim-bench-")
    gen = os.path.join(HERE, "make_scenario.py")

    def scenario(name, *gen_args):
        d = os.path.join(work, name)
        subprocess.run([sys.executable, gen, d, *gen_args], check=True)
        return os.path.join(d, "scenario.yaml")

    print(f"machine: {machine()}\n")
    print("| case | threads | wall s | replicates/s | region-years/s | max RSS MiB | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    if "det" in cases:
        sc = scenario("det", "--regions", "3000", "--years", "29", "--seed", "1")
        base = None
        for t in threads:
            wall, rss = run_case(args.edusim, sc, t, os.path.join(work, "det.h5"))
            base = base or wall
            print(f"| deterministic, 3,000 regions x 0-17 x 30 years x 5 strategies, with the HDF5 write "
                  f"| {t} | {wall:.2f} | - | {3000 * 30 / wall:,.0f} | {rss:.0f} | {base / wall:.2f} |")
            sys.stdout.flush()
    if "sto" in cases:
        sc = scenario("sto", "--regions", "224", "--years", "20", "--seed", "2",
                      "--mode", "stochastic", "--replicates", str(reps))
        base = None
        for t in threads:
            wall, rss = run_case(args.edusim, sc, t, os.path.join(work, "sto.h5"))
            base = base or wall
            print(f"| stochastic, 224 regions x 0-17 x 21 years x 5 strategies x {reps:,} replicates "
                  f"| {t} | {wall:.1f} | {reps / wall:.1f} | {224 * 21 * reps / wall:,.0f} | {rss:.0f} "
                  f"| {base / wall:.2f} |")
            sys.stdout.flush()
    if "mem" in cases:
        t = threads[-1]
        for r in (reps // 4, reps):
            sc = scenario(f"mem{r}", "--regions", "224", "--years", "20", "--seed", "2",
                          "--mode", "stochastic", "--replicates", str(r))
            wall, rss = run_case(args.edusim, sc, t, os.path.join(work, "mem.h5"))
            print(f"| memory: stochastic, 224 regions, {r:,} replicates | {t} | {wall:.1f} "
                  f"| {r / wall:.1f} | {224 * 21 * r / wall:,.0f} | {rss:.0f} | - |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
