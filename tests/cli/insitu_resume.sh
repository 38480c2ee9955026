#!/usr/bin/env bash
# In-situ training end to end on a tiny random data set: a run stopped after epoch 2 and resumed
# ends with a report.json identical to an uninterrupted run; epochs.csv has program events per
# epoch; the run folder of an interrupted run is marked and holds no report.
# Usage: insitu_resume.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_data data 200 50

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

cli_result
