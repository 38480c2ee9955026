#!/usr/bin/env bash
# Fault injection (issue 14, "NaN and inf reach reports"): settings inside their ranges that
# make training diverge, a weights file holding a NaN, and a quantity that overflows once its
# unit prefix is applied (a double's range) or that a float cannot hold each end with exit 1
# and one line saying what and where; a diverged
# run's folder holds a FAILED marker with that line and no report or weights.
# Usage: non_finite.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_data data 200 50
fp32=("$src/configs/experiments/mnist_fp32.yaml" --set data.dir="$work/data" --set training.epochs=3
      --set training.batch_size=20 --quiet)

# diverges NAME PATTERN --set...: the run fails with one line matching PATTERN, marked FAILED.
diverges() {
  local name="$1" pattern="$2"
  shift 2
  "$xbarsim" run "${fp32[@]}" "$@" --out "$name" 2>"$name.err"
  check "$name-exit-1" test $? -eq 1
  check "$name-one-line" test "$(wc -l <"$name.err")" -eq 1
  check "$name-message" grep -Eq "$pattern" "$name.err"
  check "$name-failed-marker" grep -Eq "$pattern" "$name/FAILED"
  check "$name-no-report" test ! -e "$name/report.json" -a ! -e "$name/weights.bin" -a ! -e "$name/RUNNING"
}
diverges sgd-lr-10 'training diverged in epoch [123] of 3: the training loss is -?nan \(learning rate' \
  --set training.optimizer.impl=sgd --set training.optimizer.learning_rate=10
# Adam with epsilon 0 divided 0 by 0 on its first step; the range now starts at 1e-12, so the
# setting is refused before a folder is made.
"$xbarsim" run "${fp32[@]}" --set training.optimizer.epsilon=0 --out adam-epsilon-0 2>adam.err
check adam-epsilon-0-exit-1 test $? -eq 1
check adam-epsilon-0-message grep -q "training.optimizer.epsilon: expected a number in \[1e-12, 1\], got '0'" adam.err
check adam-epsilon-0-no-folder test ! -e adam-epsilon-0

# A weights file with a NaN is refused by name, layer and position.
"$xbarsim" run "${fp32[@]}" --set training.epochs=1 --set "network.layers=[784,32,10]" --out trained
check trained test -f trained/weights.bin
python3 - trained/weights.bin nan.bin <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
# XBW1, layer count, then layer 0: rows, cols (int32) and its weights, column-major: the float
# at byte 16 + 4 k is weight (k mod rows, k div rows); k = 35 with 32 rows is (3, 1).
struct.pack_into('<f', b, 16 + 4 * 35, float('nan'))
open(sys.argv[2], 'wb').write(bytes(b))
PY
"$xbarsim" run "$src/configs/experiments/mnist_infer_ideal.yaml" --set data.dir="$work/data" \
  --set "network.layers=[784,32,10]" --set network.weights="$work/nan.bin" --quiet --out infer 2>infer.err
check nan-weights-exit-1 test $? -eq 1
check nan-weights-one-line test "$(wc -l <infer.err)" -eq 1
check nan-weights-message grep -q "nan.bin: layer 0 weight (3, 1) is nan (a finite number expected)" infer.err

# A quantity finite as written but not once scaled to SI: refused before any folder is made.
"$xbarsim" run "$src/configs/experiments/mnist_infer_dw5.yaml" --set data.dir="$work/data" \
  --set 'device.track_length=1e308 km' --quiet --out overflow 2>overflow.err
check overflow-exit-1 test $? -eq 1
check overflow-message grep -q "device.track_length: expected a length .* got '1e308 km' (out of the range of a double once scaled to SI)" overflow.err
check overflow-no-folder test ! -e overflow

# A quantity a double holds but a float (the cells' conductances) does not: refused the same way.
"$xbarsim" run "$src/configs/experiments/mnist_infer_pcm.yaml" --set data.dir="$work/data" \
  --set 'device.g_max=1e40 S' --quiet --out float_range 2>float_range.err
check float-range-exit-1 test $? -eq 1
check float-range-message grep -q "device.g_max: expected a conductance .* got '1e40 S' (outside the range of a 32-bit float" float_range.err
check float-range-no-folder test ! -e float_range

cli_result
