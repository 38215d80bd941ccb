#!/usr/bin/env bash
# Fails when a library defines a mutable global or function-local static
# (STYLE 14): any object symbol in .data, .bss or COMMON. Const tables in
# .rodata and .data.rel.ro are fine.
set -u
bad=0
for lib in "$@"; do
  found=$(objdump -t "$lib" | awk '$0 ~ /[[:space:]]O[[:space:]]/ && ($0 ~ /[[:space:]]\.data[[:space:]]/ || $0 ~ /[[:space:]]\.bss[[:space:]]/ || $0 ~ /\*COM\*/) {print $NF}')
  if [ -n "$found" ]; then
    echo "mutable globals in $(basename "$lib"): $found"
    bad=$((bad + 1))
  fi
done
echo "$(( $# - bad )) passed, $bad failed"
[ "$bad" -eq 0 ]
