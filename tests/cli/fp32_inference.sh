#!/usr/bin/env bash
# experiment.impl fp32_inference (docs/onnx.md): a trained convolutional network's weights.bin
# evaluated in software gives the accuracy its fp32 training reported, and logits.csv holds one
# row per test image whose arg-maxes give that accuracy again; without trained weights the run
# stops with one line (exit 1) and leaves no folder.
# Usage: fp32_inference.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_learnable_data data  # 300 training, 60 test images; far above chance once learned
cat >net.yaml <<YAML
network:
  input: [1, 28, 28]
  layers:
    - {op: conv, channels: 3, kernel: 4, stride: 2, padding: 1}
    - {op: relu}
    - {op: maxpool, size: 2}
    - {op: flatten}
    - {op: dense, outputs: 10}
YAML
cat >fp32.yaml <<YAML
experiment: {name: tiny, impl: fp32_training, seed: 3}
data: {dataset: mnist, dir: $work/data}
network: {include: net.yaml}
training: {epochs: 3, batch_size: 20, optimizer: {impl: adam, learning_rate: 0.01}}
YAML
"$xbarsim" run fp32.yaml --quiet --out fp32 2>fp32.err
check fp32-run test -f fp32/weights.bin
cat >eval.yaml <<YAML
experiment: {name: eval, impl: fp32_inference}
data: {dataset: mnist, dir: $work/data}
network: {include: net.yaml, weights: fp32/weights.bin}
YAML
"$xbarsim" run eval.yaml --quiet --out eval 2>eval.err
check eval-run test $? -eq 0
final() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results']['final']['test_accuracy_pct'])" "$1"; }
check same-accuracy test "$(final fp32/report.json)" = "$(final eval/report.json)"
check learned python3 -c "import sys; sys.exit(not float('$(final eval/report.json)') > 60)"
# 60 test images, all in logits.csv (fewer than the default 100): their arg-maxes give the accuracy.
check logits-accuracy python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open('eval/logits.csv')))
assert len(rows) == 60 and rows[0]['schema_version'] == '1', len(rows)
right = sum(max(range(10), key=lambda c: float(r[f'logit_{c}'])) == int(r['label']) for r in rows)
a = json.load(open('eval/report.json'))['results']['final']['test_accuracy_pct']
sys.exit(abs(100.0 * right / 60 - a) > 1e-9)"
check conv-layers-recorded grep -q '"conv 3x1x4x4 s2 p1 relu maxpool2"' eval/report.json
# No trained weights: one line naming network.weights, exit 1, no folder.
cat >bad.yaml <<YAML
experiment: {name: bad, impl: fp32_inference}
data: {dataset: mnist, dir: $work/data}
network: {include: net.yaml}
YAML
"$xbarsim" run bad.yaml --quiet --out bad 2>bad.err
check bad-exit test $? -eq 1
check bad-one-line test "$(wc -l <bad.err)" -eq 1
check bad-names-key grep -q "network.weights" bad.err
check bad-no-folder test ! -e bad
# A network whose input has the images' 784 values in another shape: one line, exit 1.
sed 's/input: \[1, 28, 28\]/input: [1, 14, 56]/' net.yaml >net_wide.yaml
sed 's/net.yaml/net_wide.yaml/' fp32.yaml >wide.yaml
"$xbarsim" run wide.yaml --quiet --out wide 2>wide.err
check shape-exit test $? -eq 1
check shape-one-line test "$(wc -l <wide.err)" -eq 1
check shape-named grep -q "network.input is \[1, 14, 56\], the images are \[1, 28, 28\]" wide.err
cli_result
