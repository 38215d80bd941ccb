"""End-to-end tests of the stop signals (DESIGN "Command line"): a long
stochastic run ends within about a second of SIGTERM or SIGINT, with status
128 + signal, and leaves neither the results file nor a temporary file; a
second stop signal ends the program at once; a validate blocked on its input
ends on SIGTERM. Env: EDUSIM, ES_SOURCE_DIR, ES_SCRATCH."""
import os
import shutil
import signal
import subprocess
import sys
import time

EDUSIM = os.environ["EDUSIM"]
SRC = os.environ["ES_SOURCE_DIR"]
SCRATCH = os.environ["ES_SCRATCH"]
DEFAULT = f"{SRC}/scenarios/sichuan-chongqing/scenario.yaml"
STOP_WITHIN_S = 2.0  # from the signal to the end of the process

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def wait_for(proc, timeout_s):
    """The raw wait status of @proc, or None after @timeout_s seconds."""
    if proc.returncode is not None:  # already reaped by proc.poll()
        rc = proc.returncode
        return -rc if rc < 0 else rc << 8
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid != 0:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status
        time.sleep(0.02)
    return None


def wait_started(proc, timeout_s=60.0):
    """Wait until the run is in the engine: with -j 2 its second thread
    appears at the first parallel region, after the stop signals are caught."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(os.listdir(f"/proc/{proc.pid}/task")) >= 2:
                time.sleep(0.3)  # well into the replicates
                return
        except FileNotFoundError:
            return
        time.sleep(0.02)


def leftovers(prefix):
    return [n for n in os.listdir(".") if n.startswith(prefix)]


shutil.rmtree(SCRATCH, ignore_errors=True)
os.makedirs(SCRATCH)
os.chdir(SCRATCH)

# A long run: the default scenario, stochastic, far more replicates than the
# test waits for.
LONG = ["run", DEFAULT, "--mode", "stochastic", "-r", "5000", "-j", "2", "--quiet"]

for sig, name in [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")]:
    out = f"long-{name}.h5"
    proc = subprocess.Popen([EDUSIM] + LONG + ["-o", out], stderr=subprocess.PIPE)
    wait_started(proc)
    check(proc.poll() is None, f"{name}: the run is still going when signalled")
    t0 = time.monotonic()
    proc.send_signal(sig)
    status = wait_for(proc, 30.0)
    elapsed = time.monotonic() - t0
    err = proc.stderr.read().decode()
    proc.stderr.close()
    check(status is not None, f"{name}: the run ended")
    if status is None:
        proc.kill()
        proc.wait()
        continue
    check(elapsed <= STOP_WITHIN_S, f"{name}: ended {elapsed:.2f} s after the signal")
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + sig,
          f"{name}: exit status {proc.returncode}, expected {128 + sig}")
    check(f"stopped by signal {int(sig)}; nothing was written" in err,
          f"{name}: message: {err}")
    check(leftovers(out) == [], f"{name}: left {leftovers(out)}")

# Two stop signals: the first is caught and puts the default action back, so
# the second ends the program at once (killed by it, not a clean exit). The
# test sends the second once the first has been handled (the process no
# longer catches SIGINT: /proc/PID/status SigCgt) and the run is still
# stopping; a run that ends before that is tried again.
def caught_signals(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return int(line.split()[1], 16)
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def catches(mask, sig):
    return mask is not None and (mask >> (int(sig) - 1)) & 1 == 1


conclusive = 0
for attempt in range(5):
    out = f"twice-{attempt}.h5"
    proc = subprocess.Popen([EDUSIM] + LONG + ["-o", out], stderr=subprocess.DEVNULL)
    wait_started(proc)
    mask = caught_signals(proc.pid)
    check(catches(mask, signal.SIGTERM) and catches(mask, signal.SIGINT),
          f"run in the engine catches SIGINT and SIGTERM (SigCgt {mask})")
    proc.send_signal(signal.SIGTERM)
    handled = False
    while proc.poll() is None:
        mask = caught_signals(proc.pid)
        if mask is not None and not catches(mask, signal.SIGINT):
            handled = True
            break
    if not handled:
        proc.wait()
        continue  # it stopped cleanly before the test could look: again
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    status = wait_for(proc, 30.0)
    elapsed = time.monotonic() - t0
    if status is None:
        proc.kill()
        proc.wait()
    if status is not None and os.WIFEXITED(status):
        continue  # the clean stop won the race with the second signal
    conclusive += 1
    print(f"two signals: the second sent while stopping, attempt {attempt + 1}")
    check(status is not None and os.WIFSIGNALED(status)
          and os.WTERMSIG(status) == signal.SIGINT,
          f"two signals: killed by the second (status {status})")
    check(elapsed <= STOP_WITHIN_S, f"two signals: ended {elapsed:.2f} s after the second")
    break
check(conclusive == 1, "two signals: the second arrived while the run was stopping")

# A validate blocked on its input (a FIFO nobody writes) ends on SIGTERM.
fifo = "blocked.yaml"
os.mkfifo(fifo)
proc = subprocess.Popen([EDUSIM, "validate", fifo], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
time.sleep(0.5)
blocked = proc.poll() is None
t0 = time.monotonic()
if blocked:
    proc.send_signal(signal.SIGTERM)
status = wait_for(proc, 10.0) if blocked else 0
elapsed = time.monotonic() - t0
check(status is not None, "validate of a FIFO ended")
if status is None:
    proc.kill()
    proc.wait()
elif blocked:
    check(elapsed <= STOP_WITHIN_S, f"validate of a FIFO: ended {elapsed:.2f} s after SIGTERM")
    check((os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM)
          or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGTERM),
          f"validate of a FIFO: status {status}")

# The same with SIGINT ignored by the parent, as a script's background job
# has it: the program puts the default action back, so the stop still works.
def ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


proc = subprocess.Popen([EDUSIM, "validate", fifo], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, preexec_fn=ignore_sigint)
time.sleep(0.5)
blocked = proc.poll() is None  # a loader that refuses FIFOs does not block
if blocked:
    proc.send_signal(signal.SIGINT)
status = wait_for(proc, 10.0)
check(status is not None and (not blocked or (os.WIFSIGNALED(status)
                                              and os.WTERMSIG(status) == signal.SIGINT)),
      f"validate with SIGINT ignored by its parent ends on SIGINT (status {status})")
if status is None:
    proc.kill()
    proc.wait()

# A run stopped while it loads (before its output check) ends at once too,
# and nothing is made: not even the output's folder.
proc = subprocess.Popen([EDUSIM, "run", fifo, "-o", "never/x.h5"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
if proc.poll() is None:
    proc.send_signal(signal.SIGINT)
status = wait_for(proc, 10.0)
check(status is not None, "run of a FIFO ended on SIGINT")
if status is None:
    proc.kill()
    proc.wait()
check(not os.path.exists("never"), "run stopped while loading made no folder")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
