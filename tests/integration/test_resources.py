"""End-to-end tests of the resource estimate (docs/methods.md "Resource
estimate"): the peak memory `edusim validate` announces against the peak
resident memory (ru_maxrss of wait4) of the real `edusim run` with the same
options, within 25%, on a tiny deterministic run, the default scenario, the
largest scenario on two threads, a stochastic run with many replicates and one
with region_quantiles; the announced file size against the real file (an upper
bound, the real file at least a quarter of it); the refusals (memory, disk,
set by EDUSIM_MEMORY_AVAILABLE / EDUSIM_DISK_AVAILABLE so they do not depend on
the machine), --no-resource-check, and validate making run's checks.
Env: EDUSIM, ES_SOURCE_DIR, ES_SCRATCH."""
import os
import re
import shutil
import subprocess
import sys
import time

EDUSIM = os.environ["EDUSIM"]
SRC = os.environ["ES_SOURCE_DIR"]
SCRATCH = os.environ["ES_SCRATCH"]
TINY = f"{SRC}/scenarios/examples/tiny/scenario.yaml"
DEFAULT = f"{SRC}/scenarios/sichuan-chongqing/scenario.yaml"
COUNTIES = f"{SRC}/scenarios/china-counties/scenario.yaml"
YANGTZE = f"{SRC}/scenarios/yangtze-delta/scenario.yaml"
TOLERANCE = 0.25  # memory estimate against the measured peak
FILE_FLOOR = 0.25  # the real file is at least this share of the bound

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def run(args, env=None):
    e = dict(os.environ)
    e.pop("EDUSIM_MEMORY_AVAILABLE", None)
    e.pop("EDUSIM_DISK_AVAILABLE", None)
    e.update(env or {})
    return subprocess.run([EDUSIM] + args, capture_output=True, text=True, env=e)


def mib(text, label):
    """The figure after LABEL in validate's summary, in MiB."""
    m = re.search(label + r"\s+(?:about|at most) ([0-9.]+) (bytes|KiB|MiB|GiB)", text)
    if m is None:
        return None
    scale = {"bytes": 1 / 1048576, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[m.group(2)]
    return float(m.group(1)) * scale


def measured_run(args):
    """Peak resident memory (MiB) of `edusim run ARGS` and its exit status."""
    proc = subprocess.Popen([EDUSIM, "run"] + args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return usage.ru_maxrss / 1024.0, proc.returncode, err


shutil.rmtree(SCRATCH, ignore_errors=True)
os.makedirs(SCRATCH)
os.chdir(SCRATCH)


def overlay(name, base, text):
    with open(name, "w", encoding="utf-8") as f:
        f.write(f"extends: {base}\nname: {name[:-5]}\n{text}")
    return name


tiny_st = overlay("tiny-st.yaml", TINY, "mode: stochastic\n"
                  "output: {file: null, statistics: [mean, sd, p05, p50, p95]}\n")
yangtze_rq = overlay("yangtze-rq.yaml", YANGTZE, "mode: stochastic\n"
                     "output: {file: null, statistics: [mean, sd, p05, p50, p95], "
                     "region_quantiles: true}\n")

# Sanitizer builds hold shadow memory the estimate does not count.
ldd = subprocess.run(["ldd", EDUSIM], capture_output=True, text=True).stdout
sanitized = "libasan" in ldd or "libtsan" in ldd

cases = [
    ("tiny deterministic", [TINY]),
    ("default scenario deterministic", [DEFAULT]),
    ("2,843 regions, 2 threads", [COUNTIES, "-j", "2"]),
    ("stochastic, 2000 replicates", [tiny_st, "-r", "2000"]),
    ("stochastic, region_quantiles", [yangtze_rq, "-r", "20"]),
]
for what, args in cases:
    if sanitized and "2,843" in what:
        continue  # minutes under the sanitizers, and its memory is not compared
    out = "out.h5"
    if os.path.exists(out):
        os.remove(out)
    v = run(["validate"] + args + ["-o", out])
    check(v.returncode == 0, f"{what}: validate exit {v.returncode}: {v.stderr}")
    est_mem = mib(v.stdout, "memory")
    est_file = mib(v.stdout, "file size")
    check(est_mem is not None and est_file is not None,
          f"{what}: validate prints memory and file size: {v.stdout}")
    peak, status, err = measured_run(args + ["-o", out, "--quiet"])
    check(status == 0, f"{what}: run exit {status}: {err}")
    if est_mem is None or est_file is None or status != 0:
        continue
    real_file = os.path.getsize(out) / 1048576.0
    print(f"{what}: memory estimated {est_mem:.1f} MiB, measured {peak:.1f} MiB "
          f"({100 * (est_mem / peak - 1):+.0f}%); file at most {est_file:.1f} MiB, "
          f"real {real_file:.1f} MiB ({100 * real_file / est_file:.0f}%)")
    if not sanitized:
        check(abs(est_mem / peak - 1) <= TOLERANCE,
              f"{what}: memory estimate {est_mem:.1f} MiB vs peak {peak:.1f} MiB")
    check(real_file <= est_file, f"{what}: file {real_file:.2f} MiB over the bound "
          f"{est_file:.2f} MiB")
    check(real_file >= FILE_FLOOR * est_file,
          f"{what}: file {real_file:.2f} MiB far under the bound {est_file:.2f} MiB")

# A million replicates of the default scenario: refused at once, with the
# estimate and what is available.
t0 = time.monotonic()
r = run(["run", DEFAULT, "--mode", "stochastic", "-r", "1000000", "-o", "big.h5"],
        env={"EDUSIM_MEMORY_AVAILABLE": "16G"})
elapsed = time.monotonic() - t0
check(r.returncode == 2, f"a million replicates: exit {r.returncode}: {r.stderr}")
check(re.search(r"this run needs about [0-9.]+ GiB of memory", r.stderr) is not None,
      f"a million replicates: the estimate is shown: {r.stderr}")
check("more than the 16.0 GiB available (EDUSIM_MEMORY_AVAILABLE)" in r.stderr,
      f"a million replicates: what is available is shown: {r.stderr}")
check(elapsed < 10, f"a million replicates refused early ({elapsed:.1f} s)")
check(not os.path.exists("big.h5") and not any(n.startswith("big.h5") for n in os.listdir(".")),
      "a refused run leaves no file")
v = run(["validate", DEFAULT, "--mode", "stochastic", "-r", "1000000", "-o", "big.h5"],
        env={"EDUSIM_MEMORY_AVAILABLE": "16G"})
check(v.returncode == 2 and "this run needs about" in v.stderr,
      f"validate refuses what run refuses: exit {v.returncode}: {v.stderr}")

# The memory available, small: refused; --no-resource-check runs anyway.
r = run(["run", TINY, "-o", "t.h5"], env={"EDUSIM_MEMORY_AVAILABLE": "1M"})
check(r.returncode == 2 and "more than the 1.0 MiB available" in r.stderr,
      f"tiny with 1M: exit {r.returncode}: {r.stderr}")
check(not os.path.exists("t.h5"), "no file after the memory refusal")
r = run(["run", TINY, "-o", "t.h5", "--no-resource-check", "--quiet"],
        env={"EDUSIM_MEMORY_AVAILABLE": "1M", "EDUSIM_DISK_AVAILABLE": "1"})
check(r.returncode == 0 and os.path.exists("t.h5"),
      f"--no-resource-check: exit {r.returncode}: {r.stderr}")

# The disk: refused with the bound and the space.
r = run(["run", TINY, "-o", "d.h5"], env={"EDUSIM_DISK_AVAILABLE": "100K"})
check(r.returncode == 2 and "may take up to" in r.stderr
      and "more than the 100.0 KiB available (EDUSIM_DISK_AVAILABLE)" in r.stderr,
      f"disk refusal: exit {r.returncode}: {r.stderr}")
check(not os.path.exists("d.h5"), "no file after the disk refusal")

# A variable that is not a size.
for bad in ["lots", "12X", "-5", ""]:
    r = run(["validate", TINY, "-o", "v.h5"], env={"EDUSIM_MEMORY_AVAILABLE": bad})
    want = 0 if bad == "" else 2  # empty: unset
    check(r.returncode == want, f"EDUSIM_MEMORY_AVAILABLE='{bad}': exit {r.returncode}: {r.stderr}")
    if want == 2:
        check("EDUSIM_MEMORY_AVAILABLE: '" + bad + "' is not a size" in r.stderr,
              f"EDUSIM_MEMORY_AVAILABLE='{bad}': message: {r.stderr}")
r = run(["validate", TINY, "-o", "v.h5"], env={"EDUSIM_DISK_AVAILABLE": "1Q"})
check(r.returncode == 2 and "EDUSIM_DISK_AVAILABLE: '1Q' is not a size" in r.stderr,
      f"EDUSIM_DISK_AVAILABLE=1Q: exit {r.returncode}: {r.stderr}")

# An address-space limit (ulimit -v) lowers what is available.
if not sanitized:
    import resource

    def limit_address_space():
        resource.setrlimit(resource.RLIMIT_AS, (300 * 1048576, 300 * 1048576))

    e = dict(os.environ)
    e.pop("EDUSIM_MEMORY_AVAILABLE", None)
    e.pop("EDUSIM_DISK_AVAILABLE", None)
    r = subprocess.run([EDUSIM, "validate", DEFAULT, "--mode", "stochastic", "-r", "10000",
                        "-o", "u.h5"], capture_output=True, text=True, env=e,
                       preexec_fn=limit_address_space)
    check(r.returncode == 2 and "(RLIMIT_AS (ulimit -v))" in r.stderr,
          f"ulimit -v: exit {r.returncode}: {r.stderr}")
    r = subprocess.run([EDUSIM, "validate", TINY, "-o", "u.h5"], capture_output=True,
                       text=True, env=e, preexec_fn=limit_address_space)
    check(r.returncode == 0 and re.search(r"; [0-9.]+ MiB available", r.stdout) is not None,
          f"ulimit -v, tiny: exit {r.returncode}: {r.stdout}{r.stderr}")

# validate makes run's checks, with run's options.
with open("exists.h5", "w") as f:
    f.write("x")
v = run(["validate", TINY, "-o", "exists.h5"])
check(v.returncode == 2 and "exists (use --force" in v.stderr,
      f"validate: existing output: exit {v.returncode}: {v.stderr}")
v = run(["validate", TINY, "-o", "exists.h5", "--force"])
check(v.returncode == 0, f"validate --force: exit {v.returncode}: {v.stderr}")
v = run(["validate", TINY, "--strategy", "greedy", "-o", "v.h5"])
check(v.returncode == 2 and "--strategy: unknown 'greedy'" in v.stderr,
      f"validate --strategy: exit {v.returncode}: {v.stderr}")
v = run(["validate", TINY, "--strategy", "hukou", "--mode", "stochastic", "-r", "7",
         "--seed", "5", "-o", "v.h5"])
check(v.returncode == 0 and "strategies  1: hukou (hukou)" in v.stdout
      and "stochastic, 7 replicates, seed 5" in v.stdout,
      f"validate with run's options: exit {v.returncode}: {v.stdout}{v.stderr}")
v = run(["validate", TINY, "-o", "exists.h5/x.h5"])
check(v.returncode == 1 and "exists.h5" in v.stderr,
      f"validate: output below a file: exit {v.returncode}: {v.stderr}")
v = run(["validate", TINY, "-o", "new/deep/x.h5"])
check(v.returncode == 0, f"validate: missing folders: exit {v.returncode}: {v.stderr}")
check(not os.path.exists("new"), "validate creates no folder")
v = run(["validate", TINY, "-j", "0"])
check(v.returncode == 2 and "whole number of threads" in v.stderr,
      f"validate -j 0: exit {v.returncode}: {v.stderr}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
