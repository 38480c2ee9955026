#!/usr/bin/env bash
# Fault injection (issue 14, "data shapes are not cross-checked"): a test split whose images
# differ in size from the training split and the network, IDX dimensions whose product
# overflows, and a data set named for files of another data set each end with exit 1 and one
# line naming the file; the report records the data read (data set, published or not, CRC-32s).
# Usage: data_faults.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
run_fp32() {  # run_fp32 OUT DATA_DIR [--set...]
  local out="$1" dir="$2"
  shift 2
  "$xbarsim" run "$src/configs/experiments/mnist_fp32.yaml" --set data.dir="$dir" --set training.epochs=1 \
    --set "network.layers=[784,16,10]" --quiet --out "$out" "$@" 2>"$out.err"
}
refused() {  # refused NAME PATTERN: the last run_fp32 NAME exited 1 with one line matching PATTERN
  check "$1-exit-1" test "$2" -eq 1
  check "$1-one-line" test "$(wc -l <"$1.err")" -eq 1
  check "$1-message" grep -Eq "$3" "$1.err"
  check "$1-no-report" test ! -e "$1/report.json"
}

make_data good 100 20
run_fp32 ok "$work/good"
check good-runs test -f ok/report.json
check report-records-data python3 -c "
import json, zlib
d = json.load(open('ok/report.json'))['data']
crc = zlib.crc32(open('good/t10k-images-idx3-ubyte', 'rb').read())
assert d['dataset'] == 'mnist' and d['published_files'] is False, d
assert d['crc32']['t10k-images'] == f'{crc:08x}', d
"

make_data small_test 100 20 14
run_fp32 test-size "$work/small_test"
refused test-size $? 'small_test/t10k-images-idx3-ubyte: images of 14 x 14 pixels, the network has 784 inputs'

mkdir overflow && cp good/train-labels-idx1-ubyte good/t10k-* overflow/
printf '\0\0\10\4\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' >overflow/train-images-idx3-ubyte
run_fp32 idx-overflow "$work/overflow"
refused idx-overflow $? 'train-images-idx3-ubyte: expected a rank-3 image tensor, got rank 4'
check header-faults-make-no-folder test ! -e test-size -a ! -e idx-overflow

# Debian's Fashion-MNIST (installed by tools/install-deps.sh) named as MNIST.
fashion=/usr/share/datasets/fashion-mnist
if [ -f "$fashion/train-images-idx3-ubyte.gz" ]; then
  run_fp32 wrong-dataset "$fashion" --set data.dataset=mnist
  refused wrong-dataset $? "$fashion: data.dataset is mnist, but the files there are the published fashion-mnist ones"
else
  echo "FAIL wrong-dataset: $fashion missing (tools/install-deps.sh installs dataset-fashion-mnist)"
  failed=$((failed + 1))
fi

cli_result
