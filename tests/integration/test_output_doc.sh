#!/usr/bin/env bash
# Runs every Python and R snippet of docs/output-format.md against a results
# file of the tiny example, so the documentation cannot drift from the file.
# Env: EDUSIM, ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH/results" && cd "$ES_SCRATCH" || exit 1
"$EDUSIM" run "$ES_SOURCE_DIR/scenarios/examples/tiny/scenario.yaml" -o results/tiny.h5 --quiet || {
  echo "FAIL: edusim run"; echo "0 passed, 1 failed"; exit 1; }
"$EDUSIM" run "$ES_SOURCE_DIR/scenarios/examples/tiny/scenario.yaml" --mode stochastic -r 50 \
  -o results/tiny-mc.h5 --quiet || { echo "FAIL: edusim run stochastic"; echo "0 passed, 1 failed"; exit 1; }
"$PYTHON" - "$ES_SOURCE_DIR/docs/output-format.md" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"```(python|r)\n(.*?)```", text, re.S)
for i, (lang, code) in enumerate(blocks):
    ext = "py" if lang == "python" else "R"
    open(f"snippet_{i:02d}.{ext}", "w", encoding="utf-8").write(code)
print(f"{len(blocks)} snippets")
PY
passed=0; failed=0
n_py=$(ls snippet_*.py 2>/dev/null | wc -l); n_r=$(ls snippet_*.R 2>/dev/null | wc -l)
if [ "$n_py" -ge 3 ] && [ "$n_r" -ge 1 ]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: expected >= 3 Python and >= 1 R snippets, found $n_py and $n_r"; fi
for s in snippet_*.py; do
  if "$PYTHON" "$s" >"$s.out" 2>&1; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $s"; cat "$s"; cat "$s.out"; fi
done
for s in snippet_*.R; do
  [ -e "$s" ] || continue
  if Rscript "$s" >"$s.out" 2>&1 && grep -q "TRUE" "$s.out"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $s"; cat "$s"; cat "$s.out"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
