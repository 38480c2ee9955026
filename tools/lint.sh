#!/usr/bin/env bash
# Style and static checks: clang-format (.clang-format) on every C++ file, and with --tidy also
# clang-tidy (.clang-tidy) on every source file through the release build's
# compile_commands.json (slow: SystemC and Eigen headers, about 30 s per file on one core).
# Usage: tools/lint.sh [--fix] [--tidy]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fix=0
tidy=0
for a in "$@"; do
  case "$a" in
    --fix) fix=1 ;;
    --tidy) tidy=1 ;;
    *) echo "lint.sh: unknown option $a (expected --fix or --tidy)" >&2; exit 1 ;;
  esac
done
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [ "$fix" -eq 1 ]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run -Werror "${files[@]}"
fi
echo "lint: clang-format clean on ${#files[@]} files"
if [ "$tidy" -eq 1 ]; then
  cmake --preset release >/dev/null
  mapfile -t sources < <(git ls-files '*.cpp' | grep -v '^tests/regression/')
  printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build/release --quiet
  echo "lint: clang-tidy clean on ${#sources[@]} files"
fi
