#!/usr/bin/env bash
# Regenerates every golden regression output (tests/regression/golden/) with the release build.
# Use it only in a change meant to move numbers, and commit the regenerated files in one commit
# whose message names what moved and why (review `git diff --stat tests/regression/golden`).
# Usage: tools/regen-golden.sh [CASE...]   (default: every case of tests/regression/cases.txt)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target xbarsim make_fixture schema_check
cases=("$@")
if [ "${#cases[@]}" -eq 0 ]; then
  mapfile -t cases < <(grep -v '^#' tests/regression/cases.txt | grep '|' | cut -d'|' -f1)
fi
for c in "${cases[@]}"; do
  bash tests/regression/run.sh build/release/apps/xbarsim build/release/tests/make_fixture . "$c" --regenerate
done
