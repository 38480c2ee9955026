#!/usr/bin/env bash
# Fault injection (issue 14, "folders are not exclusive"): while a run holds its folder, a second
# xbarsim on that folder is refused (exit 1, one line naming the holder from the RUNNING marker,
# which records pid and host); SIGTERM leaves an INTERRUPTED marker in place of RUNNING, and the
# run resumes from its checkpoint afterwards.
# Usage: run_folder.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_data data 100 20

# A long in-situ run (1000 epochs of 100 images) in the background.
"$xbarsim" run "$src/configs/experiments/mnist_insitu_dw5.yaml" --set data.dir="$work/data" \
  --set "network.layers=[784,16,10]" --set training.epochs=1000 --set training.batch_size=50 \
  --set simulation.batch_images=25 --quiet --out r 2>r.err &
pid=$!
check checkpointed wait_for r/checkpoint.bin
check running-names-pid grep -q "^pid $pid on host .* since " r/RUNNING

"$xbarsim" run --resume r --quiet 2>second.err
check second-exit-1 test $? -eq 1
check second-one-line test "$(wc -l <second.err)" -eq 1
check second-names-holder grep -q "r: in use by another xbarsim (pid $pid on host " second.err

kill -TERM "$pid"
wait "$pid"
check sigterm-status test $? -eq 143
check interrupted-marker grep -q "^interrupted by SIGTERM; its results are incomplete" r/INTERRUPTED
check no-running test ! -e r/RUNNING
check no-report test ! -e r/report.json

# The folder is free again: the run resumes (and is stopped after its next epoch).
epoch=$(($(wc -l <r/epochs.csv.partial) - 1))
"$xbarsim" run --resume r --quiet --stop-after-epoch $((epoch + 1)) 2>/dev/null
check resumes-after-signal test $? -eq 3

cli_result
