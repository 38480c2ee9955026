#!/usr/bin/env bash
# network.onnx end to end (issue 16, docs/onnx.md): the weights.bin of a tiny fp32 run, exported
# to ONNX (tests/cli/tools/onnx_export.cpp: Flatten, Gemm transB 1, Relu, as PyTorch exports an
# nn.Sequential), gives tiled inference the same accuracies as network.weights; report.json names
# the model; a bad model or both keys stop the run with one line (exit 1).
# Usage: onnx_import.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
export_onnx="$(dirname "$xbarsim")/../tests/onnx_export"
if [ ! -x "$export_onnx" ]; then
  echo "SKIP: $export_onnx not built"
  exit 77
fi
make_data data 200 40

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
check fp32-accuracy-recorded grep -q '"fp32"' o/report.json
check report-names-model python3 -c "
import json, sys
n = json.load(open('o/report.json'))['results']['network']
sys.exit(not (n['onnx'] == '$work/model.onnx' and n['layers'] == [784, 16, 10]))"
check no-network-without-onnx python3 -c "
import json, sys; sys.exit('network' in json.load(open('w/report.json'))['results'])"
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

cli_result
