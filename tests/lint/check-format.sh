#!/usr/bin/env bash
# Fails when a C file of the project is not clang-formatted (STYLE 44).
set -u
clang_format=${1:-clang-format}
files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.h.in' 2>/dev/null | grep -v '\.in$')
[ -n "$files" ] || files=$(find models scenarios output sim tests bench -name '*.[ch]')
bad=0
for f in $files; do
  [ -f "$f" ] || continue
  if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: $clang_format -i $f)"
    bad=$((bad + 1))
  fi
done
echo "$(( $(echo "$files" | wc -w) - bad )) passed, $bad failed"
[ "$bad" -eq 0 ]
