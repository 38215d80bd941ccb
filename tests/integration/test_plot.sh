#!/usr/bin/env bash
# test_plot.sh: `output/edusim-plot` end to end (docs/plot.md).
#
# 1. The tiny example is run by `edusim run`, deterministic and stochastic
#    (-r 20), and edusim-plot draws each file: exit 0, stdout lists exactly
#    the six figures, each a valid PNG of the size its figure size and --dpi
#    give (population.png is 8 x 5 inches: 960 x 600 pixels at 120 dpi, 480 x
#    300 at 60), of a sensible number of bytes; the default folder is named
#    after the file; svg and pdf are what they say; --stage and --strategy
#    change the figures they select for.
# 2. Every user error exits 2 with its message and writes nothing: missing
#    file, a folder, a text file, an HDF5 file that edusim did not write, an
#    edusim file without its groups, unknown --stage, --strategy, --year, bad
#    --format and --dpi, no argument; an output folder that cannot be made
#    exits 1.
#
# Environment: EDUSIM, the program; ES_SCRATCH, a scratch folder (created);
# ES_SOURCE_DIR, the repository; PYTHON, Debian's python3 with h5py, numpy
# and matplotlib.
set -u

: "${EDUSIM:?EDUSIM must name the edusim program}"
: "${ES_SCRATCH:?ES_SCRATCH must name a scratch folder}"
: "${ES_SOURCE_DIR:?ES_SOURCE_DIR must name the repository}"
PYTHON=${PYTHON:-/usr/bin/python3}
case "$EDUSIM" in
  /*) ;;
  *) EDUSIM="$PWD/$EDUSIM" ;;
esac
case "$ES_SOURCE_DIR" in
  /*) ;;
  *) ES_SOURCE_DIR="$PWD/$ES_SOURCE_DIR" ;;
esac
PLOT=$ES_SOURCE_DIR/output/edusim-plot
tiny=$ES_SOURCE_DIR/scenarios/examples/tiny/scenario.yaml
FIGURES="population students_by_stage unmet_idle inequality regions_ptr warning"
NOTICE="edusim-plot: note: no CJK font installed (e.g. fonts-noto-cjk or fonts-wqy-zenhei); regions are labelled by code"
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"





# plot ARGS...: run edusim-plot, keeping stdout, stderr and exit status.
plot() {
  "$PYTHON" "$PLOT" "$@" >out.txt 2>err.txt
  status=$?
}

# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk, or nothing if FILE is
# not a PNG (signature 89 50 4e 47 0d 0a 1a 0a, then IHDR).
png_size() {
  local sig
  sig=$(head -c 16 "$1" | od -An -tx1 | tr -d ' \n')
  [ "$sig" = "89504e470d0a1a0a0000000d49484452" ] || return 1
  local w h
  w=$(od -An -tu4 --endian=big -j16 -N4 "$1" | tr -d ' ')
  h=$(od -An -tu4 --endian=big -j20 -N4 "$1" | tr -d ' ')
  echo "$w $h"
}

# check_stderr NAME: stderr empty or only the CJK notice.
check_stderr() {
  if [ -s err.txt ] && [ "$(cat err.txt)" != "$NOTICE" ]; then
    fail "$1: unexpected stderr: $(cat err.txt)"
    return 1
  fi
  return 0
}

# expect_figures NAME DIR EXT: exit 0, stdout lists DIR/<figure>.EXT for the
# six figures in order, each file present.
expect_figures() {
  local name=$1 dir=$2 ext=$3 expected="" f
  if [ "$status" -ne 0 ]; then
    fail "$name: exit $status, expected 0; stderr: $(cat err.txt)"
    return 1
  fi
  for f in $FIGURES; do
    expected="$expected$dir/$f.$ext
"
  done
  if [ "$(cat out.txt)
" != "$expected" ]; then
    fail "$name: stdout is not the list of figures:
$(cat out.txt)
expected:
$expected"
    return 1
  fi
  check_stderr "$name" || return 1
  for f in $FIGURES; do
    if [ ! -s "$dir/$f.$ext" ]; then
      fail "$name: $dir/$f.$ext missing or empty"
      return 1
    fi
  done
  pass "$name"
}

# check_pngs NAME DIR DPI: every figure a PNG of 10 kB to 400 kB (the
# docs/figures budget is 200 kB at 120 dpi), at least 4 x 3 inches, and
# population.png exactly 8 x 5 inches at DPI.
check_pngs() {
  local name=$1 dir=$2 dpi=$3 f size wh bytes
  for f in $FIGURES; do
    if ! wh=$(png_size "$dir/$f.png"); then
      fail "$name: $dir/$f.png is not a PNG: $(head -c 8 "$dir/$f.png" | od -An -tx1)"
      continue
    fi
    bytes=$(stat -c %s "$dir/$f.png")
    set -- $wh
    if [ "$1" -lt $((4 * dpi)) ] || [ "$2" -lt $((3 * dpi)) ] \
      || [ "$1" -gt $((20 * dpi)) ] || [ "$2" -gt $((12 * dpi)) ]; then
      fail "$name: $f.png is $1 x $2 pixels at $dpi dpi"
    elif [ "$dpi" -ge 100 ] && { [ "$bytes" -lt 10000 ] || [ "$bytes" -gt 400000 ]; }; then
      fail "$name: $f.png has $bytes bytes"
    else
      pass "$name: $f.png ($1 x $2, $bytes bytes)"
    fi
  done
  size=$(png_size "$dir/population.png")
  if [ "$size" = "$((8 * dpi)) $((5 * dpi))" ]; then
    pass "$name: population.png is 8 x 5 inches at $dpi dpi"
  else
    fail "$name: population.png is '$size', expected $((8 * dpi)) x $((5 * dpi))"
  fi
}

# expect_error NAME MESSAGE ARGS...: exit 2, MESSAGE as the last line of
# stderr, nothing on stdout, no figure folder errdir/ made.
expect_error() {
  local name=$1 message=$2
  shift 2
  rm -rf errdir
  plot "$@"
  if [ "$status" -ne 2 ]; then
    fail "$name: exit $status, expected 2; stderr: $(cat err.txt)"
    return
  fi
  if [ "$(tail -n 1 err.txt)" != "$message" ]; then
    fail "$name: the last line of stderr is not
$message
got:
$(cat err.txt)"
    return
  fi
  if [ -s out.txt ]; then
    fail "$name: unexpected stdout: $(cat out.txt)"
    return
  fi
  if [ -e errdir ]; then
    fail "$name: the folder errdir was made"
    return
  fi
  pass "$name"
}

if [ ! -f "$PLOT" ]; then
  fail "$PLOT does not exist"
  finish
fi
if [ ! -x "$PLOT" ] || [ "$(head -n 1 "$PLOT")" != "#!/usr/bin/python3" ]; then
  fail "$PLOT is not an executable script starting #!/usr/bin/python3"
else
  pass "executable with #!/usr/bin/python3"
fi
if ! "$PYTHON" -c 'import h5py, numpy, matplotlib' 2>/dev/null; then
  fail "$PYTHON cannot import h5py, numpy and matplotlib (Debian: python3-h5py python3-matplotlib)"
  finish
fi

plot --help
if [ "$status" -eq 0 ] && grep -qF 'usage: edusim-plot [-h] [-o DIR] [--stage NAME] [--year Y]' out.txt \
  && grep -qF -- '--format {png,svg,pdf}' out.txt; then
  pass "--help"
else
  fail "--help: exit $status: $(cat out.txt err.txt)"
fi

# ---- 1. the tiny example -------------------------------------------------

if ! "$EDUSIM" run "$tiny" -o tiny.h5 >run.txt 2>&1; then
  fail "edusim run tiny: $(cat run.txt)"
  finish
fi
if ! "$EDUSIM" run "$tiny" --mode stochastic -r 20 -o tiny-mc.h5 >run.txt 2>&1; then
  fail "edusim run tiny stochastic: $(cat run.txt)"
  finish
fi

plot tiny.h5 -o det
expect_figures "deterministic" det png && check_pngs "deterministic" det 120
# with no CJK font the notice is printed and the regions are labelled by
# code (checked below); with one, by name
if [ -s err.txt ]; then
  labels=code
else
  labels=name
fi

plot tiny-mc.h5 -o mc
expect_figures "stochastic" mc png && check_pngs "stochastic" mc 120

# the default folder is named after the results file
mkdir -p sub && cp tiny.h5 sub/run-a.h5
plot sub/run-a.h5
expect_figures "default folder" sub/run-a png

plot tiny.h5 -o small --dpi 60
expect_figures "--dpi 60" small png && check_pngs "--dpi 60" small 60

plot tiny-mc.h5 -o vec --format svg --stage junior --strategy need --strategy rank --year 2025
if expect_figures "--format svg" vec svg; then
  if head -c 200 vec/population.svg | grep -qF '<svg' || grep -qF '<svg' vec/population.svg; then
    pass "svg is SVG"
  else
    fail "vec/population.svg is not SVG"
  fi
fi
plot tiny.h5 -o doc --format pdf
if expect_figures "--format pdf" doc pdf; then
  if [ "$(head -c 5 doc/warning.pdf)" = "%PDF-" ]; then
    pass "pdf is PDF"
  else
    fail "doc/warning.pdf is not PDF: $(head -c 8 doc/warning.pdf | od -An -c)"
  fi
fi

# the selections change exactly the figures they select for
plot tiny.h5 -o junior --stage junior
if expect_figures "--stage junior" junior png; then
  for f in inequality unmet_idle regions_ptr; do
    if cmp -s "det/$f.png" "junior/$f.png"; then
      fail "--stage junior: $f.png is the same as with the default stage"
    else
      pass "--stage junior changes $f.png"
    fi
  done
  if cmp -s det/students_by_stage.png junior/students_by_stage.png; then
    pass "--stage does not change students_by_stage.png"
  else
    fail "--stage junior changed students_by_stage.png"
  fi
fi
plot tiny.h5 -o primary --stage primary
if expect_figures "--stage primary" primary png; then
  # primary is the default of inequality and regions, not of unmet/idle
  # (all stages summed by default)
  if cmp -s det/inequality.png primary/inequality.png && cmp -s det/regions_ptr.png primary/regions_ptr.png; then
    pass "--stage primary is the default of inequality and regions"
  else
    fail "--stage primary changed inequality.png or regions_ptr.png"
  fi
  if cmp -s det/unmet_idle.png primary/unmet_idle.png; then
    fail "--stage primary: unmet_idle.png is the same as all stages summed"
  else
    pass "unmet_idle.png sums all stages by default"
  fi
fi
plot tiny.h5 -o one --strategy hukou
if expect_figures "--strategy hukou" one png; then
  if cmp -s det/unmet_idle.png one/unmet_idle.png; then
    fail "--strategy hukou: unmet_idle.png is the same as with all strategies"
  else
    pass "--strategy changes unmet_idle.png"
  fi
fi
plot tiny.h5 -o y2025 --year 2025
if expect_figures "--year 2025" y2025 png; then
  if cmp -s det/regions_ptr.png y2025/regions_ptr.png; then
    fail "--year 2025: regions_ptr.png is the same as the last year's"
  else
    pass "--year changes regions_ptr.png"
  fi
  if cmp -s det/population.png y2025/population.png; then
    pass "--year does not change population.png"
  else
    fail "--year 2025 changed population.png"
  fi
fi

# the texts drawn (SVG keeps each text as a comment) against the file, read
# independently with h5py: the regions, their order and PTRs, the ages, the
# caption and the stochastic bands
plot tiny.h5 -o dsvg --format svg
expect_figures "svg texts, deterministic" dsvg svg
plot tiny-mc.h5 -o msvg --format svg --strategy resident --strategy rank
expect_figures "svg texts, stochastic" msvg svg
LABELS=$labels "$PYTHON" - >check.txt 2>&1 <<'PY'
import os
import re

import h5py
import numpy as np


def texts(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r"<!-- (.*?) -->", f.read())


def expected_regions(path, strategies, stage, year):
    """Bar labels of regions_ptr, panel by panel, top to bottom."""
    out = []
    with h5py.File(path, "r") as f:
        g = f["schools"]
        codes = list(g["region" if os.environ["LABELS"] == "code" else "region_name"].asstr()[()])
        s_all = list(g["strategy"].asstr()[()])
        k = list(g["stage"].asstr()[()]).index(stage)
        y = list(g["year"][()]).index(year)
        for s in strategies[:3]:
            i = s_all.index(s)
            gap = g["teacher_gap"][i, 0, y, :, k]
            ptr = g["ptr"][i, 0, y, :, k]
            short = sorted((r for r in range(len(codes)) if gap[r] > 0), key=lambda r: -gap[r])[:15]
            surplus = sorted((r for r in range(len(codes)) if gap[r] < 0), key=lambda r: gap[r])[:15]
            for r in short + surplus[::-1]:
                out.append("%s  (PTR %s)" % (codes[r], "%.1f" % ptr[r] if np.isfinite(ptr[r]) else "-"))
    return out


bad = 0


def check(name, ok, detail=""):
    global bad
    if ok:
        print("PASS", name)
    else:
        bad += 1
        print("FAIL", name, detail)


for d, path, strategies in (
    ("dsvg", "tiny.h5", ["rank", "hukou", "resident"]),
    ("msvg", "tiny-mc.h5", ["resident", "rank"]),
):
    got = [t for t in texts(d + "/regions_ptr.svg") if re.search(r"  \(PTR ([0-9.]+|-)\)$", t)]
    want = expected_regions(path, strategies, "primary", 2030)
    check(d + " regions and PTRs", got == want, " got %s want %s" % (got, want))
    t = texts(d + "/regions_ptr.svg")
    check(d + " panels", [x for x in t if x in ("rank", "hukou", "resident", "need")] == strategies, t)
    check(
        d + " regions title",
        "Regions with the largest teacher shortfall and surplus, primary, 2030 (top 15 each)" in t,
    )
    with h5py.File(path, "r") as f:
        lo = int(f["demand/stage_age_lo"][()].min())
        hi = int(f["demand/stage_age_hi"][()].max())
    t = texts(d + "/population.svg")
    check(d + " population ages", "School-age children (ages %d-%d), all regions" % (lo, hi) in t, t)
    check(d + " population legend", "registered total (local + away)" in t, t)

cap_d = [t for t in texts("dsvg/warning.svg") if t.startswith("Scenario ")]
check("caption deterministic", len(cap_d) == 1 and cap_d[0].startswith("Scenario tiny (deterministic) · file tiny.h5 · edusim "), cap_d)
cap_m = [t for t in texts("msvg/warning.svg") if t.startswith("Scenario ")]
check("caption stochastic", len(cap_m) == 1 and cap_m[0].startswith("Scenario tiny (stochastic, 20 replicates) · file tiny-mc.h5 · edusim "), cap_m)
check("deterministic: no band", "p05-p95" not in texts("dsvg/inequality.svg"))
check("stochastic: p05-p95 band", "p05-p95" in texts("msvg/inequality.svg"))
check("stochastic: students band", "mean ± 1.96 sd (replicates)" in texts("msvg/students_by_stage.svg"))
check("deterministic: no students band", "mean ± 1.96 sd (replicates)" not in texts("dsvg/students_by_stage.svg"))
check("unmet/idle all stages", "Unmet and idle seats by strategy, all stages" in texts("dsvg/unmet_idle.svg"))
with h5py.File("tiny.h5", "r") as f:
    stages = list(f["demand/stage"].asstr()[()])
t = texts("dsvg/warning.svg")
check("warning stages", all(s in t for s in stages), t)
raise SystemExit(1 if bad else 0)
PY
check_status=$?
while read -r word rest; do
  case "$word" in
    PASS) pass "$rest" ;;
    FAIL) fail "$rest" ;;
    *) [ -n "$word" ] && fail "svg texts: $word $rest" ;;
  esac
done <check.txt
if [ "$check_status" -ne 0 ] && ! grep -q '^FAIL' check.txt; then
  fail "svg texts: the check exited $check_status"
fi

# ---- 2. errors -----------------------------------------------------------

"$PYTHON" - <<'PY' || fail "writing the non-edusim HDF5 files"
import h5py

with h5py.File("other.h5", "w") as f:
    f.attrs["title"] = "not edusim"
    f.create_dataset("x", data=[1.0, 2.0])
with h5py.File("empty.h5", "w") as f:
    f.attrs["software"] = "edusim"
    f.attrs["format_version"] = 1
    f.create_group("population")
with h5py.File("future.h5", "w") as f:
    f.attrs["software"] = "edusim"
    f.attrs["format_version"] = 7
PY
printf 'year,stage\n2020,primary\n' >text.h5
mkdir -p folder.h5

expect_error "missing file" "edusim-plot: error: nope.h5: no such file" nope.h5 -o errdir
expect_error "a folder" "edusim-plot: error: folder.h5: is a folder, not a results file" folder.h5 -o errdir
expect_error "text file" "edusim-plot: error: text.h5: not an edusim results file (not an HDF5 file)" text.h5 -o errdir
expect_error "other HDF5" "edusim-plot: error: other.h5: not an edusim results file (no root attribute software = edusim)" other.h5 -o errdir
expect_error "no groups" "edusim-plot: error: empty.h5: not a complete edusim results file (no group /demand)" empty.h5 -o errdir
expect_error "format version" "edusim-plot: error: future.h5: results format version 7, this edusim-plot reads version 1" future.h5 -o errdir
expect_error "unknown stage" "edusim-plot: error: unknown stage 'college': the file has preschool, primary, junior, senior" tiny.h5 -o errdir --stage college
expect_error "unknown strategy" "edusim-plot: error: unknown strategy 'magic': the file has rank, hukou, resident, forecast5, transition, need" tiny.h5 -o errdir --strategy rank --strategy magic
expect_error "unknown year" "edusim-plot: error: unknown year 2031: the file has 2020 to 2030" tiny.h5 -o errdir --year 2031
expect_error "year not a number" "edusim-plot: error: argument --year: invalid int value: 'last'" tiny.h5 -o errdir --year last
expect_error "bad format" "edusim-plot: error: argument --format: invalid choice: 'gif' (choose from 'png', 'svg', 'pdf')" tiny.h5 -o errdir --format gif
expect_error "bad dpi" "edusim-plot: error: --dpi 5 is out of range: use 50 to 600" tiny.h5 -o errdir --dpi 5
expect_error "no argument" "edusim-plot: error: the following arguments are required: RESULTS.h5"

# an output folder that cannot be made: exit 1
: >afile
plot tiny.h5 -o afile/figures
if [ "$status" -eq 1 ] && grep -qF "edusim-plot: error: cannot create the folder afile/figures" err.txt \
  && [ ! -s out.txt ]; then
  pass "unwritable folder: exit 1"
else
  fail "unwritable folder: exit $status, stderr: $(cat err.txt)"
fi

finish
