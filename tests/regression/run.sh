#!/usr/bin/env bash
# Golden regression: runs one case of tests/regression/cases.txt on the deterministic fixture
# and compares its outputs byte for byte with tests/regression/golden/CASE/. With --regenerate
# it writes the outputs there instead (tools/regen-golden.sh regenerates every case).
# Usage: run.sh XBARSIM MAKE_FIXTURE SRC_DIR CASE [--regenerate]
set -euo pipefail
xbarsim="$(realpath "$1")"
make_fixture="$(realpath "$2")"
src="$(cd "$3" && pwd)"
case_name="$4"
regenerate="${5:-}"

line="$(grep -v '^#' "$src/tests/regression/cases.txt" | grep "^${case_name}|" || true)"
if [ -z "$line" ]; then
  echo "run.sh: no case '$case_name' in $src/tests/regression/cases.txt" >&2
  exit 2
fi
IFS='|' read -r _ file options <<<"$line"
read -r -a opts <<<"$options"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p data/mnist
"$make_fixture" data/mnist 300 100

# What each kind of command leaves that is compared: everything but wall-clock figures.
case "$(grep -v '^#' "$src/$file" | grep -o -m1 '^[a-z]*:' || true)" in
  sweep:) kind=sweep ;;
  compare:) kind=compare ;;
  *) kind=run ;;
esac
case "$kind" in
  run)
    "$xbarsim" run "$src/$file" "${opts[@]}" --out out --quiet
    files=(report.json energy.csv area.csv)
    ;;
  sweep)
    "$xbarsim" sweep "$src/$file" -j 1 --out out --quiet
    files=(sweep.csv)
    ;;
  compare)
    "$xbarsim" compare "$src/$file" -j 1 --out out --quiet
    files=(compare.csv)
    [ -f out/iso_accuracy.csv ] && files+=(iso_accuracy.csv)
    ;;
esac

# Every report.json written (a sweep's and a comparison's points' too) conforms to the schema,
# and every compared CSV ends with its schema_version column (docs/schemas/README.md); checked
# before regenerating too, so no golden output can break its contract.
schema_check="$(dirname "$make_fixture")/schema_check"
mapfile -t reports < <(find out -name report.json | sort)
if [ "${#reports[@]}" -eq 0 ]; then
  echo "FAIL $case_name: no report.json written"
  exit 1
fi
if ! "$schema_check" "$src/docs/schemas/report.schema.json" "${reports[@]}"; then
  echo "FAIL $case_name: a report.json does not conform to docs/schemas/report.schema.json"
  exit 1
fi
for f in "${files[@]}"; do
  case "$f" in
    *.csv)
      if [ "$(head -1 "out/$f" | tr -d '\r' | awk -F, '{ print $NF }')" != schema_version ]; then
        echo "FAIL $case_name/$f: the last column is not schema_version"
        exit 1
      fi
      ;;
  esac
done

golden="$src/tests/regression/golden/$case_name"
if [ "$regenerate" = "--regenerate" ]; then
  mkdir -p "$golden"
  rm -f "$golden"/*
  for f in "${files[@]}"; do cp "out/$f" "$golden/$f"; done
  echo "regenerated $golden"
  exit 0
fi

failed=0
for f in "${files[@]}"; do
  if ! cmp -s "out/$f" "$golden/$f"; then
    echo "FAIL $case_name/$f differs from the golden output (first differences below)"
    diff "$golden/$f" "out/$f" | head -20 || true
    failed=$((failed + 1))
  fi
done
echo "$(( ${#files[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
