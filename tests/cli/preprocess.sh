#!/usr/bin/env bash
# data.preprocess (issue 16): pixels fed as (p / scale - mean) / std. report.json records the
# values (the defaults too); a mean > 0 makes inputs negative, which an unsigned row DAC would
# clip: `run` and `validate` refuse it with exit 1 and one line naming data.preprocess.mean and
# arch.dac.signed, before any folder is made; with a signed DAC the chip runs and the first
# layer's DAC full scale is the largest |input| (here the negative end: -mean / std).
# Usage: preprocess.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_data data 100 20
infer() {  # infer OUT [--set...]: tiled inference on ideal devices after 1 epoch of fp32 training
  local out="$1"
  shift
  "$xbarsim" run "$src/configs/experiments/mnist_infer_ideal.yaml" --set data.dir="$work/data" \
    --set "network.layers=[784,16,10]" --set training.epochs=1 --set training.batch_size=20 \
    --set simulation.batch_images=20 --quiet --out "$out" "$@" 2>"$out.err"
}
norm=(--set data.preprocess.mean=0.9 --set data.preprocess.std=0.1)

infer default
check default-runs test -f default/report.json
check default-recorded python3 -c "
import json
p = json.load(open('default/report.json'))['data']['preprocess']
assert p == {'scale': 255.0, 'mean': 0.0, 'std': 1.0}, p
"

infer unsigned "${norm[@]}"
status=$?
check unsigned-exit-1 test "$status" -eq 1
check unsigned-one-line test "$(wc -l <unsigned.err)" -eq 1
check unsigned-names-both grep -q 'data.preprocess.mean: expected 0 or less with an unsigned row DAC (arch.dac.signed: false).*set arch.dac.signed: true' unsigned.err
check unsigned-no-folder test ! -e unsigned

"$xbarsim" validate "$src/configs/experiments/mnist_insitu_dw5.yaml" "${norm[@]}" 2>validate.err
status=$?
check validate-exit-1 test "$status" -eq 1
check validate-names-both grep -q 'data.preprocess.mean: .*arch.dac.signed' validate.err

infer signed "${norm[@]}" --set arch.dac.signed=true
check signed-runs test -f signed/report.json
# Pixels run from (0 - 0.9) / 0.1 = -9 (p = 0) to (1 - 0.9) / 0.1 = 1 (p = 255): the DAC's full
# scale is 9, the largest magnitude (the largest value would have been 1).
check signed-full-scale-and-record python3 -c "
import json
r = json.load(open('signed/report.json'))
p = r['data']['preprocess']
assert p == {'scale': 255.0, 'mean': 0.9, 'std': 0.1}, p
fs = r['results']['chip']['layers'][0]['input_full_scale']
assert abs(fs - 9.0) < 1e-5, fs
"

cli_result
