#!/usr/bin/env bash
# network.onnx end to end (issue 16, docs/onnx.md): the weights.bin of a tiny fp32 run, exported
# to ONNX (tests/cli/tools/onnx_export.cpp: Flatten, Gemm transB 1, Relu, as PyTorch exports an
# nn.Sequential), gives tiled inference the same accuracies as network.weights; report.json names
# the model; a bad model or both keys stop the run with one line (exit 1). The model.onnx an fp32
# run writes (workloads/onnx_export.cpp), of an MLP and of a convolutional network, gives the same
# accuracies as its weights.bin.
# Usage: onnx_import.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
export_onnx="$(dirname "$xbarsim")/../tests/onnx_export"
if [ ! -x "$export_onnx" ]; then
  echo "SKIP: $export_onnx not built"
  exit 77
fi
make_learnable_data data  # 300 training, 60 test images; far above chance once learned

tiny_base fp32.yaml
"$xbarsim" run fp32.yaml --quiet --out fp32 2>fp32.err
check fp32-run test -f fp32/weights.bin
check export "$export_onnx" fp32/weights.bin model.onnx

infer() {  # infer OUT KEY=VALUE...: tiled inference of the 784-16-10 network on ideal devices
  local out="$1"
  shift
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  "$xbarsim" run "$src/configs/experiments/mnist_infer_ideal.yaml" --set data.dir="$work/data" \
    --set "network.layers=[784,16,10]" --set simulation.batch_images=20 "${sets[@]}" --quiet --out "$out" 2>"$out.err"
}
infer w network.weights="$work/fp32/weights.bin"
check weights-run test $? -eq 0
infer o network.onnx="$work/model.onnx"
check onnx-run test $? -eq 0
accuracy() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results']['accuracy_pct'])" "$1"; }
check same-accuracy test "$(accuracy w/report.json)" = "$(accuracy o/report.json)"
# Far above chance (10 %): equal accuracies then say the weights were read right.
check learned python3 -c "
import json, sys
a = json.load(open('o/report.json'))['results']['accuracy_pct']
sys.exit(not (a['fp32'] > 60 and a['hardware'] > 60))"
check fp32-accuracy-recorded grep -q '"fp32"' o/report.json
check report-names-model python3 -c "
import json, sys
n = json.load(open('o/report.json'))['results']['network']
sys.exit(not (n['onnx'] == '$work/model.onnx' and n['layers'] == [784, 16, 10]))"
check no-network-without-onnx python3 -c "
import json, sys; sys.exit('network' in json.load(open('w/report.json'))['results'])"
schema_check="$(dirname "$xbarsim")/../tests/schema_check"  # results.network in report.schema.json
if [ -x "$schema_check" ]; then
  check report-schema "$schema_check" "$src/docs/schemas/report.schema.json" o/report.json
fi
check resolved-config-has-onnx grep -q "onnx: $work/model.onnx" o/config.resolved.yaml

# Not a model: one line naming the file, exit 1.
printf 'not a model' >bad.onnx
infer bad network.onnx="$work/bad.onnx"
check bad-exit-1 test $? -eq 1
check bad-one-line test "$(wc -l <bad.err)" -eq 1
check bad-names-file grep -q "bad.onnx: not an ONNX model" bad.err
# Both sources of weights: refused.
infer both network.onnx="$work/model.onnx" network.weights="$work/fp32/weights.bin"
check both-exit-1 test $? -eq 1
check both-one-line test "$(wc -l <both.err)" -eq 1
check both-names-key grep -q "network.onnx" both.err

# fp32 runs write model.onnx beside weights.bin (workloads/onnx_export.cpp): the same network.
check fp32-writes-model test -f fp32/model.onnx
infer x network.onnx="$work/fp32/model.onnx"
check exported-run test $? -eq 0
check exported-same-accuracy test "$(accuracy w/report.json)" = "$(accuracy x/report.json)"

# A convolutional network: its fp32 run's model.onnx gives tiled inference the accuracies of its
# weights.bin, and report.json records its layers (one line each).
conv_layers='[{op: conv, channels: 2, kernel: 5, stride: 2}, {op: relu}, {op: maxpool, size: 2}, {op: flatten}, {op: dense, outputs: 10}]'
"$xbarsim" run fp32.yaml --set network.input=[1,28,28] --set "network.layers=$conv_layers" \
  --set training.epochs=3 --set training.optimizer.impl=adam --set training.optimizer.learning_rate=0.01 \
  --quiet --out cfp32 2>cfp32.err
check conv-fp32-run test -f cfp32/model.onnx -a -f cfp32/weights.bin
infer_conv() {  # infer_conv OUT KEY=VALUE...: tiled inference of that network on ideal devices
  local out="$1"
  shift
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  "$xbarsim" run "$src/configs/experiments/mnist_infer_ideal.yaml" --set data.dir="$work/data" \
    --set network.input=[1,28,28] --set "network.layers=$conv_layers" --set simulation.batch_images=20 \
    "${sets[@]}" --quiet --out "$out" 2>"$out.err"
}
infer_conv cw network.weights="$work/cfp32/weights.bin"
check conv-weights-run test $? -eq 0
infer_conv co network.onnx="$work/cfp32/model.onnx"
check conv-onnx-run test $? -eq 0
check conv-same-accuracy test "$(accuracy cw/report.json)" = "$(accuracy co/report.json)"
check conv-learned python3 -c "
import json, sys
a = json.load(open('co/report.json'))['results']['accuracy_pct']
sys.exit(not (a['fp32'] > 60 and a['hardware'] > 60))"
check conv-report-layers python3 -c "
import json, sys
n = json.load(open('co/report.json'))['results']['network']
sys.exit(not (n['layers'] == ['conv 2x1x5x5 s2 p0 relu maxpool2', 'dense 72->10']))"
if [ -x "$schema_check" ]; then
  check conv-report-schema "$schema_check" "$src/docs/schemas/report.schema.json" co/report.json cfp32/report.json
fi
# network.layers that are not the model's: one line, exit 1.
infer_conv cbad network.onnx="$work/cfp32/model.onnx" network.input=[1,30,30]
check conv-mismatch-exit-1 test $? -eq 1
check conv-mismatch-names-model grep -q "on a 1x28x28 input, the layers of network.onnx" cbad.err

python3 -c "import json; print('onnx accuracy_pct', json.load(open('o/report.json'))['results']['accuracy_pct'])"
python3 -c "import json; print('conv onnx accuracy_pct', json.load(open('co/report.json'))['results']['accuracy_pct'])"
cli_result
