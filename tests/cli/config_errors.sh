#!/usr/bin/env bash
# The xbarsim command on bad input: one line naming file:line, the key path and what was
# expected; a non-zero exit; no run folder left behind. Usage: config_errors.sh XBARSIM SRC_DIR
set -u
xbarsim="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
passed=0

base() {  # a valid experiment, with one line replaced by sed expression $1
  sed -e "$1" "$src/configs/experiments/mnist_fp32.yaml"
}

# expect_error NAME EXPECTED_FRAGMENT -- command...
expect_error() {
  local name="$1" fragment="$2"
  shift 3
  local out rc lines
  out="$("$@" 2>&1 >/dev/null)"
  rc=$?
  lines=$(printf '%s\n' "$out" | grep -c .)
  if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || ! printf '%s' "$out" | grep -qF -- "$fragment"; then
    echo "FAIL $name: rc=$rc lines=$lines stderr: $out (wanted: $fragment)"
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
  if [ -d runs ]; then
    echo "FAIL $name: a run folder was left behind"
    failures=$((failures + 1))
    rm -rf runs
  fi
}

base 's/^  epochs: 10/  epochs: 10\n  epochz: 3/' > unknown_key.yaml
expect_error unknown-key "unknown_key.yaml:17: training.epochz: unknown key" -- "$xbarsim" validate unknown_key.yaml
expect_error unknown-key-run "unknown_key.yaml:17: training.epochz: unknown key" -- "$xbarsim" run unknown_key.yaml

base '/^  batch_size:/d' > missing_key.yaml
expect_error missing-key "missing_key.yaml:16: training.batch_size: missing required key (expected an integer in [1, 60000])" -- "$xbarsim" validate missing_key.yaml

base 's/^  layers: .*/  layers: [784, -256, 10]/' > negative_size.yaml
expect_error negative-size "negative_size.yaml:13: network.layers: expected a non-empty list of integers in [1, 1048576], got item '-256'" -- "$xbarsim" validate negative_size.yaml

cat > bad_unit.yaml <<'YAML'
device:
  impl: domain_wall
  states: 5
  energy_per_event: 3 fQ
YAML
expect_error bad-unit "bad_unit.yaml:4: device.energy_per_event: expected an energy" -- "$xbarsim" validate bad_unit.yaml

printf 'adcc:\n  bits: 8\n' > unknown_card.yaml
expect_error unknown-card "unknown_card.yaml:1: adcc: expected a known card section" -- "$xbarsim" validate unknown_card.yaml

expect_error set-typo "command line --set: training.epochz: unknown key" -- "$xbarsim" run "$src/configs/experiments/mnist_fp32.yaml" --set training.epochz=2
expect_error set-bad-value "command line --set: training.epochs: expected an integer in [1, 1000], got 'ten'" -- "$xbarsim" run "$src/configs/experiments/mnist_fp32.yaml" --set training.epochs=ten
expect_error no-file "nope.yaml: no such configuration file" -- "$xbarsim" validate nope.yaml
expect_error bad-option "unrecognised option '--bogus'" -- "$xbarsim" run "$src/configs/experiments/mnist_fp32.yaml" --bogus
expect_error bad-command "unknown command 'rn'" -- "$xbarsim" rn

# Corrupt data: one line naming the file and what is wrong, no report.json.
mkdir -p data
head -c 1000 /dev/zero > data/train-images-idx3-ubyte
printf '\0\0\10\1\0\0\0\1x' > data/train-labels-idx1-ubyte
expect_error corrupt-idx "data/train-images-idx3-ubyte: unsupported IDX element type 0x00" -- "$xbarsim" run "$src/configs/experiments/mnist_fp32.yaml" --set data.dir=data --out out_corrupt --quiet
if [ -e out_corrupt ]; then
  echo "FAIL corrupt-idx: a run folder was made for data refused by their headers"
  failures=$((failures + 1))
fi

"$xbarsim" --version | grep -q '^xbarsim [0-9]' && passed=$((passed + 1)) || { echo "FAIL --version"; failures=$((failures + 1)); }
"$xbarsim" --help | grep -q 'xbarsim run EXPERIMENT.yaml' && passed=$((passed + 1)) || { echo "FAIL --help"; failures=$((failures + 1)); }
"$xbarsim" validate "$src/configs/experiments/mnist_fp32.yaml" >/dev/null && passed=$((passed + 1)) || { echo "FAIL validate good config"; failures=$((failures + 1)); }
# Every shipped card validates on its own (network cards are a card kind too).
for card in "$src"/configs/{devices,periphery,tech,networks}/*.yaml; do
  "$xbarsim" validate "$card" >/dev/null && passed=$((passed + 1)) || { echo "FAIL validate $card"; failures=$((failures + 1)); }
done

# Strict YAML (issue 14): what yaml-cpp would accept silently (the first of two keys, the first
# document) is refused with the line, before any folder is made.
base 's/^  epochs: 10/  epochs: 10\n  epochs: 2/' > duplicate_key.yaml
expect_error duplicate-key "duplicate_key.yaml:17: training.epochs: duplicate key (first at line 16)" -- "$xbarsim" run duplicate_key.yaml
{ base 's/^x//'; printf 'network:\n  layers: [784, 10]\n'; } > duplicate_section.yaml
expect_error duplicate-section "duplicate_section.yaml:$(($(base 's/^x//' | wc -l) + 1)): network: duplicate key (first at line 12)" -- "$xbarsim" validate duplicate_section.yaml
{ base 's/^x//'; printf -- '---\nexperiment:\n  name: second\n'; } > two_documents.yaml
expect_error two-documents "two_documents.yaml:$(($(base 's/^x//' | wc -l) + 1)): a second YAML document" -- "$xbarsim" run two_documents.yaml
printf 'defaults: &d\n  bits: 8\nadc:\n  <<: *d\n  impl: sar\n' > merge_key.yaml
expect_error merge-key "merge_key.yaml:4: adc.<<: merge keys ('<<') are not supported" -- "$xbarsim" validate merge_key.yaml
expect_error folder-as-config "$work: not a regular file (expected a YAML configuration file)" -- "$xbarsim" run "$work"

# Options that would be ignored, or fail only after the simulation, are refused up front.
fp32="$src/configs/experiments/mnist_fp32.yaml"
insitu="$src/configs/experiments/mnist_insitu_dw5.yaml"
infer="$src/configs/experiments/mnist_infer_dw5.yaml"
expect_error stop-no-checkpoint "--stop-after-epoch: experiment mnist_fp32 (fp32_training) does not checkpoint" -- "$xbarsim" run "$fp32" --stop-after-epoch 2
expect_error stop-negative "--stop-after-epoch -2: expected an epoch >= 1" -- "$xbarsim" run "$insitu" --stop-after-epoch -2
expect_error stop-last "--stop-after-epoch 10: the run has 10 epochs; it can stop after epoch 1 to 9" -- "$xbarsim" run "$insitu" --stop-after-epoch 10
expect_error trace-no-model "--trace: experiment mnist_fp32 (fp32_training) does not simulate the chip" -- "$xbarsim" run "$fp32" --trace t.vcd
mkdir tracedir
expect_error trace-folder "--trace tracedir: a folder; expected the path of a .vcd file" -- "$xbarsim" run "$infer" --trace tracedir
expect_error trace-unwritable "--trace nowhere/t.vcd: cannot write nowhere/t.vcd: No such file or directory" -- "$xbarsim" run "$infer" --trace nowhere/t.vcd

# validate takes --set as run does.
expect_error validate-set-typo "command line --set: training.epochz: unknown key" -- "$xbarsim" validate "$fp32" --set training.epochz=3
expect_error validate-set-value "command line --set: training.epochs: expected an integer in [1, 1000], got '0'" -- "$xbarsim" validate --set training.epochs=0 "$fp32"
if "$xbarsim" validate "$fp32" --set training.epochs=3 >/dev/null; then passed=$((passed + 1)); else echo "FAIL validate-set-ok"; failures=$((failures + 1)); fi

# A run refused by its input checks says nothing on stdout: no "-> FOLDER" line for a folder
# that was never made.
out="$("$xbarsim" run "$fp32" --set data.dir=/nonexistent-xbarsim-data --out never 2>/dev/null)"
if [ -z "$out" ] && [ ! -e never ]; then passed=$((passed + 1)); else echo "FAIL refused-run-stdout: '$out'"; failures=$((failures + 1)); fi

# A card swapped from the command line: SECTION.include=FILE.
infer_dw5="$src/configs/experiments/mnist_infer_dw5.yaml"
if "$xbarsim" validate "$infer_dw5" --set arch.adc.include="$src/configs/periphery/adc_flash.yaml" \
  --set device.include="$src/configs/devices/pcm.yaml" >/dev/null; then passed=$((passed + 1)); else echo "FAIL card-swap-ok"; failures=$((failures + 1)); fi
expect_error card-swap-wrong-kind "command line: --set arch.adc.include: $src/configs/devices/pcm.yaml has no top-level 'adc:' section" -- "$xbarsim" validate "$infer_dw5" --set arch.adc.include="$src/configs/devices/pcm.yaml"
printf 'adc:\n  impl: flash\n  bits: 4\n  bitz: 4\n' >typo_adc.yaml
expect_error card-swap-names-card "typo_adc.yaml:4: arch.adc.bitz: unknown key" -- "$xbarsim" validate "$infer_dw5" --set arch.adc.include=typo_adc.yaml

# The environment, not the input: exit 1 with the path and the operating system's reason.
python3 - <<'PY'
import os, struct
os.makedirs('good', exist_ok=True)
for split, n in (('train', 10), ('t10k', 10)):
    with open(f'good/{split}-images-idx3-ubyte', 'wb') as f:
        f.write(struct.pack('>iiii', 0x803, n, 28, 28) + bytes(n * 784))
    with open(f'good/{split}-labels-idx1-ubyte', 'wb') as f:
        f.write(struct.pack('>ii', 0x801, n) + bytes(range(n)))
PY
fp32_good=("$fp32" --set data.dir=good)
echo not-a-folder >afile
expect_error out-is-file "--out afile: a file, not a folder" -- "$xbarsim" run "${fp32_good[@]}" --out afile
expect_error out-under-file "afile/sub: Not a directory" -- "$xbarsim" run "${fp32_good[@]}" --out afile/sub
expect_error out-in-proc "/proc/xbarsim-test-run: No such file or directory" -- "$xbarsim" run "${fp32_good[@]}" --out /proc/xbarsim-test-run

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
