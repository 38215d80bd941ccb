#!/usr/bin/env bash
# The README's worked example must stay true to what the program prints: run
# the default scenario, print both comparisons, and compare them line by line
# with the blocks in README.md.
# Env: EDUSIM, ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH/results" && cd "$ES_SCRATCH" || exit 1
passed=0
failed=0
"$EDUSIM" run "$ES_SOURCE_DIR/scenarios/sichuan-chongqing/scenario.yaml" \
  -o results/sichuan-chongqing.h5 --quiet || { echo "FAIL: run"; echo "0 passed, 1 failed"; exit 1; }
"$EDUSIM" compare results/sichuan-chongqing.h5 --year 2025 --stage primary > c2025.txt
"$EDUSIM" compare results/sichuan-chongqing.h5 > c2040.txt
"$PYTHON" - "$ES_SOURCE_DIR/README.md" c2025.txt c2040.txt <<'PY'
import sys
readme = open(sys.argv[1], encoding="utf-8").read()
section = readme.split("## A worked example", 1)[1].split("\n## ", 1)[0]
blocks, current, info = [], None, None
for line in section.splitlines():
    if line.startswith("```"):
        if current is None:
            current, info = [], line[3:].strip()
        else:
            if info == "":
                blocks.append("\n".join(current) + "\n")
            current = None
    elif current is not None:
        current.append(line)
fails = 0
for path, block in zip(sys.argv[2:], blocks[:2]):
    printed = open(path, encoding="utf-8").read().splitlines()
    shown = block.rstrip("\n").splitlines()
    if printed[:len(shown)] != shown:
        fails += 1
        print(f"FAIL: README block differs from what edusim printed ({path})")
        for a, b in zip(shown, printed):
            if a != b:
                print("  README :", a)
                print("  printed:", b)
                break
if len(blocks) < 2:
    fails += 1
    print("FAIL: README has fewer than two output blocks in the worked example")
print(f"{2 - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
PY
