#!/usr/bin/env bash
# The GNU parallel recipe of docs/sweep.md on this machine (`-S :` is parallel's name for the
# local host, so the --sshloginfile path of the recipe runs without ssh): three shards into three
# folders, merged, and three shards at once into one shared folder, each give the unsharded
# sweep.csv byte for byte; running the same line again runs nothing twice. Also the progress
# lines of the unsharded sweep (done, running, failed, ETA). Needs Debian's
# parallel (tools/install-deps.sh); exits 77 (skipped) without it.
# Usage: sweep_parallel.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
command -v parallel >/dev/null || { echo "skipped: GNU parallel is not installed (tools/install-deps.sh)"; exit 77; }
cli_setup "$1" "$2"
make_data data 200 50
tiny_base base.yaml
cat > tiny.yaml <<'YAML'
sweep:
  base: base.yaml
  axes:
    - {key: network.layers, name: hidden, values: [[784, 8, 10], [784, 16, 10], [784, 24, 10]], labels: [8, 16, 24]}
    - {key: training.optimizer.learning_rate, name: lr, values: [0.01, 0.1]}
YAML
"$xbarsim" sweep tiny.yaml -j 2 --out full >/dev/null 2>full.err
check unsharded test -f full/sweep.csv
# Progress while points run: done, running, failed and the ETA at the rate so far.
check progress-first grep -Eq '^\[1/6\] hidden=[0-9]+_lr=[0-9.]+: done in [0-9.]+ s; 2 running, 0 failed, ETA [0-9]+ s$' full.err
check progress-last grep -Eq '^\[6/6\] hidden=[0-9]+_lr=[0-9.]+: done in [0-9.]+ s; 0 running, 0 failed, ETA 0 s$' full.err

# The recipe: one folder per shard, then merge.
N=3
parallel --will-cite -j $N -S : --workdir "$PWD" \
  "'$xbarsim' sweep tiny.yaml -j 1 --shard {}/$N --out tiny.shard{} --quiet" ::: $(seq 1 $N) >/dev/null 2>&1
check parallel-exit-0 test $? -eq 0
"$xbarsim" merge tiny.shard* --out merged >/dev/null 2>&1
check merge-exit-0 test $? -eq 0
check merged-sweep-csv cmp -s merged/sweep.csv full/sweep.csv
stamp="$(stat -c %Y.%i tiny.shard1/points/*/report.json | sort | md5sum)"
parallel --will-cite -j $N -S : --workdir "$PWD" \
  "'$xbarsim' sweep tiny.yaml -j 1 --shard {}/$N --out tiny.shard{} --quiet" ::: $(seq 1 $N) >/dev/null 2>&1
check rerun-exit-0 test $? -eq 0
check rerun-runs-nothing test "$stamp" = "$(stat -c %Y.%i tiny.shard1/points/*/report.json | sort | md5sum)"

# Shards at once into one shared folder: the last to finish writes the complete sweep.csv.
parallel --will-cite -j $N -S : --workdir "$PWD" \
  "'$xbarsim' sweep tiny.yaml -j 1 --shard {}/$N --out shared --quiet" ::: $(seq 1 $N) >/dev/null 2>&1
check shared-exit-0 test $? -eq 0
check shared-sweep-csv cmp -s shared/sweep.csv full/sweep.csv
check shared-no-partial test ! -e shared/sweep.csv.partial

cli_result
