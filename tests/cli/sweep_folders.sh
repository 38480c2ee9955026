#!/usr/bin/env bash
# Fault injection (issue 14, "folders are not exclusive"), sweeps and merges: a sweep or merge
# refuses (exit 1, one line, the folder untouched) a folder holding another sweep (also the
# default --out of a second sweep file with the same name), a run's results, other files, or a
# file; a second sweep on a folder in use is refused naming the holder from its RUNNING marker;
# the shards of one sweep share a folder at the same time, but one shard twice does not, nor an
# unsharded sweep beside them; SIGINT leaves INTERRUPTED (per shard) and no RUNNING, which the
# next sweep of those points clears. Usage: sweep_folders.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_data data 100 20
snapshot() { (cd "$1" && find . -exec stat -c '%n %s %Y' {} + | sort | md5sum); }
refused() {  # refused NAME PATTERN COMMAND...: exit 1, one line on stderr matching PATTERN
  local name="$1" pattern="$2"
  shift 2
  "$@" >/dev/null 2>err.txt
  check "$name-exit-1" test $? -eq 1
  check "$name-one-line" test "$(wc -l <err.txt)" -eq 1
  check "$name-message" grep -q -- "$pattern" err.txt || cat err.txt
}

tiny_base base.yaml
mkdir one two
for d in one two; do
  cat > $d/tiny.yaml <<YAML
sweep:
  name: tiny
  base: ../base.yaml
  axes:
    - {key: training.optimizer.learning_rate, name: lr, values: [$([ $d = one ] && echo "0.01, 0.1" || echo "0.02, 0.2")]}
YAML
done

# --- another sweep, by default --out (the same name) or by hand ---
"$xbarsim" sweep one/tiny.yaml --quiet >/dev/null 2>&1
check first-sweep test -f sweeps/tiny/sweep.csv
before="$(snapshot sweeps/tiny)"
refused same-name "sweeps/tiny: holds a different sweep (tiny, 2 points, from $work/one/tiny.yaml); choose another --out (the default --out is named after the sweep" \
  "$xbarsim" sweep two/tiny.yaml --quiet
check same-name-untouched test "$before" = "$(snapshot sweeps/tiny)"
"$xbarsim" sweep two/tiny.yaml --out two_out --quiet >/dev/null 2>&1
refused merge-other-sweep "sweeps/tiny: holds a different sweep" "$xbarsim" merge two_out --out sweeps/tiny
check merge-other-untouched test "$before" = "$(snapshot sweeps/tiny)"
"$xbarsim" sweep one/tiny.yaml --quiet >/dev/null 2>&1
check same-sweep-resumes test $? -eq 0

# --- --set: every point runs it after the file's set; the manifest holds it, so a resume with
# other values is a different sweep; a malformed one is refused before anything runs ---
"$xbarsim" sweep one/tiny.yaml --out set_out --set training.batch_size=50 --quiet >/dev/null 2>&1
check set-runs test -f set_out/sweep.csv
check set-in-manifest grep -q '"training.batch_size=50"' set_out/sweep.json
check set-reaches-points grep -q 'batch_size: 50' set_out/points/*/config.resolved.yaml
before="$(snapshot set_out)"
refused set-other-values "set_out: holds a different sweep" "$xbarsim" sweep one/tiny.yaml --out set_out --set training.batch_size=25 --quiet
check set-other-untouched test "$before" = "$(snapshot set_out)"
refused set-malformed "xbarsim sweep: --set batch_size: expected KEY=VALUE" "$xbarsim" sweep one/tiny.yaml --out set_bad --set batch_size --quiet
check set-malformed-nothing test ! -e set_bad
refused set-unknown-key "training.batch_sise" "$xbarsim" sweep one/tiny.yaml --out set_bad --set training.batch_sise=5 --quiet

# --- a run folder, a folder of other files, a file ---
"$xbarsim" run base.yaml --out r --quiet 2>/dev/null
before="$(snapshot r)"
refused sweep-into-run "r: not empty and not a sweep folder (it holds area.csv and " "$xbarsim" sweep one/tiny.yaml --out r --quiet
refused merge-into-run "r: not empty and not a sweep folder" "$xbarsim" merge sweeps/tiny --out r
check run-untouched test "$before" = "$(snapshot r)"
mkdir notes && echo keep >notes/todo.txt
refused other-files "notes: not empty and not a sweep folder (it holds todo.txt)" "$xbarsim" sweep one/tiny.yaml --out notes --quiet
check other-files-untouched test "$(ls notes)" = todo.txt
echo x >afile
refused file-out "out afile: not a folder" "$xbarsim" sweep one/tiny.yaml --out afile --quiet

# --- a folder in use: a long sweep (in-situ points of 1000 epochs) in the background ---
# (A background process of a non-interactive shell starts with SIGINT ignored; the sweep installs
# its handler when its points start, so the test signals only after that.)
cat > slow.yaml <<YAML
sweep:
  name: slow
  base: $src/configs/experiments/mnist_insitu_dw5.yaml
  set: {data.dir: $work/data, network.layers: [784, 16, 10], training.epochs: 1000, training.batch_size: 50,
        simulation.batch_images: 25}
  axes:
    - {key: experiment.seed, name: seed, values: [1, 2]}
YAML
"$xbarsim" sweep slow.yaml -j 1 --out s --quiet >/dev/null 2>s.err &
pid=$!
check sweep-running wait_for s/RUNNING
# Signals are sent once a point runs: the sweep handles SIGINT from then on (see the note below).
check point-running wait_for 's/points/seed=1.tmp/RUNNING'
check running-names-pid grep -q "^pid $pid on host .* since " s/RUNNING
refused second-sweep "s: in use by another xbarsim (pid $pid on host " "$xbarsim" sweep slow.yaml -j 1 --out s --quiet
refused merge-in-use "s: in use by another xbarsim (pid $pid" "$xbarsim" merge sweeps/tiny --out s
kill -INT "$pid"
wait "$pid"
check sigint-status test $? -eq 130
pid=""
check interrupted-marker grep -q "^interrupted by SIGINT; its results are incomplete: run the same command again" s/INTERRUPTED
check no-running test ! -e s/RUNNING

# --- shards of one sweep share a folder; the same shard twice, or an unsharded sweep, do not ---
"$xbarsim" sweep slow.yaml -j 1 --shard 1/2 --out s --quiet >/dev/null 2>shard1.err &
pid=$!
check shard-running wait_for s/RUNNING.shard-1-of-2
refused same-shard "s/RUNNING.shard-1-of-2: in use by another xbarsim (pid $pid on host " \
  "$xbarsim" sweep slow.yaml -j 1 --shard 1/2 --out s --quiet
refused unsharded-beside-shard "s: in use by another xbarsim (pid $pid" "$xbarsim" sweep slow.yaml -j 1 --out s --quiet
"$xbarsim" sweep slow.yaml -j 1 --shard 2/2 --out s --quiet >/dev/null 2>shard2.err &
pid2=$!
check other-shard-runs wait_for s/RUNNING.shard-2-of-2
check shard-points-running wait_for 's/points/seed=1.tmp/RUNNING' && wait_for 's/points/seed=2.tmp/RUNNING'
kill -INT "$pid" "$pid2"
wait "$pid"
check shard1-sigint test $? -eq 130
wait "$pid2"
check shard2-sigint test $? -eq 130
pid=""
check shard-interrupted-markers test -e s/INTERRUPTED.shard-1-of-2 -a -e s/INTERRUPTED.shard-2-of-2
check shard-no-running test -z "$(ls s | grep RUNNING)"

# An unsharded sweep takes up every point: the interrupted markers go.
"$xbarsim" sweep slow.yaml -j 1 --out s --quiet >/dev/null 2>/dev/null &
pid=$!
check unsharded-running wait_for s/RUNNING
check unsharded-clears-markers test -z "$(ls s | grep INTERRUPTED)"
check unsharded-point-running wait_for 's/points/seed=1.tmp/RUNNING'
kill -INT "$pid"
wait "$pid"
pid=""

cli_result
