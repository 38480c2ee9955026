#!/usr/bin/env bash
# In-situ training end to end on a tiny random data set: a run stopped after epoch 2 and resumed
# ends with a report.json identical to an uninterrupted run; epochs.csv has program events per
# epoch; the run folder of an interrupted run is marked and holds no report.
# Usage: insitu_resume.sh XBARSIM SRC_DIR
set -u
xbarsim="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0
failed=0
check() {  # check NAME COMMAND...
  local name="$1"
  shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

be32() { printf "\\$(printf '%03o' $(($1 >> 24 & 255)))\\$(printf '%03o' $(($1 >> 16 & 255)))\\$(printf '%03o' $(($1 >> 8 & 255)))\\$(printf '%03o' $(($1 & 255)))"; }
make_idx() {  # make_idx DIR SPLIT N (N a multiple of 10)
  local dir="$1" split="$2" n="$3" i
  mkdir -p "$dir"
  { printf '\0\0\10\3'; be32 "$n"; be32 28; be32 28; head -c $((n * 784)) /dev/urandom; } > "$dir/$split-images-idx3-ubyte"
  { printf '\0\0\10\1'; be32 "$n"; for ((i = 0; i < n / 10; i++)); do printf '\0\1\2\3\4\5\6\7\10\11'; done; } > "$dir/$split-labels-idx1-ubyte"
}
make_idx data train 200
make_idx data t10k 50

args=("$src/configs/experiments/mnist_insitu_dw5.yaml" --set data.dir="$work/data" --set "network.layers=[784,24,10]"
      --set training.epochs=3 --set training.batch_size=50 --set simulation.batch_images=25 --quiet)

"$xbarsim" run "${args[@]}" --out full
check uninterrupted-run test -f full/report.json

"$xbarsim" run "${args[@]}" --out split --stop-after-epoch 2
rc=$?
check stop-exit-code-3 test "$rc" -eq 3
check interrupted-marked test -f split/INTERRUPTED
check interrupted-no-report test ! -f split/report.json
check interrupted-has-checkpoint test -f split/checkpoint.bin

"$xbarsim" run --resume split --quiet
check resumed-run test -f split/report.json
check identical-report cmp -s full/report.json split/report.json
check identical-epochs-columns cmp -s <(cut -d, -f1-10 full/epochs.csv) <(cut -d, -f1-10 split/epochs.csv)
check program-events-column grep -q '^epoch,learning_rate,train_loss,train_accuracy_pct,test_accuracy_pct,program_events,' full/epochs.csv
check three-epoch-rows test "$(wc -l < full/epochs.csv)" -eq 4

# A finished run cannot be resumed; --resume takes no experiment file.
"$xbarsim" run --resume full --quiet 2>/dev/null
check resume-finished-refused test $? -eq 1
"$xbarsim" run "${args[@]}" --resume split 2>/dev/null
check resume-with-config-refused test $? -eq 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
