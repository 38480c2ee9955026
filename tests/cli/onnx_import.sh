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
# A learnable data set (make_data's random pixels give chance accuracy whatever the weights):
# image i of class i % 10 is bright in rows 2c..2c+4, dim elsewhere, with noise.
python3 - data <<'PY'
import os, random, struct, sys
random.seed(2)
os.makedirs(sys.argv[1], exist_ok=True)
for split, n in (('train', 300), ('t10k', 60)):
    pixels = bytearray()
    for i in range(n):
        c = i % 10
        for p in range(784):
            bright = 2 * c <= p // 28 < 2 * c + 5
            pixels.append(min(255, (170 if bright else 30) + random.randrange(60)))
    with open(f'{sys.argv[1]}/{split}-images-idx3-ubyte', 'wb') as f:
        f.write(struct.pack('>iiii', 0x803, n, 28, 28) + bytes(pixels))
    with open(f'{sys.argv[1]}/{split}-labels-idx1-ubyte', 'wb') as f:
        f.write(struct.pack('>ii', 0x801, n) + bytes(i % 10 for i in range(n)))
PY

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

python3 -c "import json; print('onnx accuracy_pct', json.load(open('o/report.json'))['results']['accuracy_pct'])"
cli_result
