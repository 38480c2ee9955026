#!/usr/bin/env bash
# Fault injection into `xbarsim run --resume` (issue 14, "resume trusts its inputs"): a damaged,
# truncated, foreign or hand-edited checkpoint, or a configuration edited since the run started,
# is refused with exit 1 and one line saying what failed, and leaves the run folder exactly as it
# was (still resumable). Edits that keep the checksum valid (epoch out of range, a broken random
# generator state, a huge length field) are made by recomputing the CRC-32 here, so that the
# checks behind the checksum are exercised too; the same rewrite with no edit resumes normally.
# Usage: resume_faults.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"
make_data data 100 20

"$xbarsim" run "$src/configs/experiments/mnist_insitu_dw5.yaml" --set data.dir="$work/data" \
  --set "network.layers=[784,16,10]" --set training.epochs=3 --set training.batch_size=50 \
  --set simulation.batch_images=25 --quiet --out pristine --stop-after-epoch 1
check pristine-stopped test -f pristine/checkpoint.bin

# Rewrites checkpoint.bin in place with a valid CRC-32 after an edit of its payload. The envelope
# (core/checkpoint_file.hpp): magic 8 bytes, config length and payload length (uint64 LE), CRC-32
# (uint32 LE) of config + payload, config, payload. The payload starts with the epoch (int32);
# after it 6 doubles of time, the busy count n and n doubles, 2 uint64 counters, then the
# shuffle generator's state as text; it ends with the epoch records' length and their JSON.
patch() {  # patch FILE none|epoch VALUE|rng|json_length
  python3 - "$@" <<'PY'
import struct, sys, zlib
path, mode = sys.argv[1], sys.argv[2]
b = bytearray(open(path, 'rb').read())
clen, plen = struct.unpack_from('<QQ', b, 8)
p0 = 28 + clen
if mode == 'epoch':
    struct.pack_into('<i', b, p0, int(sys.argv[3]))
elif mode == 'rng':
    (n,) = struct.unpack_from('<Q', b, p0 + 4 + 48)
    rng = p0 + 4 + 48 + 8 + 8 * n + 16
    b[rng:rng + 20] = b'x' * 20
elif mode == 'json_length':
    start = b.rfind(b'[{')
    struct.pack_into('<Q', b, start - 8, 1 << 62)
struct.pack_into('<I', b, 24, zlib.crc32(bytes(b[28:])) & 0xffffffff)
open(path, 'wb').write(bytes(b))
PY
}

snapshot() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# refused NAME PATTERN EDIT...: copies the pristine folder, applies EDIT inside it, resumes, and
# checks exit 1, a single stderr line matching PATTERN, and an unchanged folder.
refused() {
  local name="$1" pattern="$2"
  shift 2
  rm -rf "$name"
  cp -r pristine "$name"
  (cd "$name" && "$@")
  local before
  before="$(snapshot "$name")"
  "$xbarsim" run --resume "$name" --quiet 2>"$name.err"
  local rc=$?
  check "$name-exit-1" test "$rc" -eq 1
  check "$name-one-line" test "$(wc -l <"$name.err")" -eq 1
  check "$name-message" grep -Eq "$pattern" "$name.err"
  check "$name-folder-unchanged" test "$(snapshot "$name")" = "$before"
  [ "$rc" -eq 1 ] && grep -Eq "$pattern" "$name.err" || cat "$name.err"
}

flip_byte() { printf '\377' | dd of=checkpoint.bin bs=1 seek=$(($(stat -c %s checkpoint.bin) / 2)) conv=notrunc status=none; }
truncate_end() { truncate -s -100 checkpoint.bin; }
random_bytes() { head -c "$(stat -c %s checkpoint.bin)" /dev/urandom >checkpoint.bin; }
other_version() { printf '03' | dd of=checkpoint.bin bs=1 seek=6 conv=notrunc status=none; }
huge_header_length() { printf '\0\0\0\0\0\0\0\20' | dd of=checkpoint.bin bs=1 seek=8 conv=notrunc status=none; }
edit_learning_rate() { sed -i 's/^\(\s*learning_rate:\).*/\1 0.5/' config.resolved.yaml; }
edit_widths() { sed -i 's/layers: \[784, 16, 10\]/layers: [784, 17, 10]/' config.resolved.yaml; }

crc='damaged checkpoint \(its CRC-32 does not match'
refused flipped-byte "checkpoint.bin: $crc" flip_byte
refused truncated 'checkpoint.bin: truncated or damaged checkpoint' truncate_end
refused random-bytes 'checkpoint.bin: not an xbarsim checkpoint' random_bytes
refused other-version 'checkpoint.bin: a checkpoint of another xbarsim version \(format 03, expected 04\)' other_version
refused huge-header-length 'checkpoint.bin: truncated or damaged checkpoint' huge_header_length
refused config-learning-rate 'config.resolved.yaml: line [0-9]+ \(`\s*learning_rate: 0.5`, the run started with' \
  edit_learning_rate
refused config-widths 'config.resolved.yaml: line [0-9]+ \(`\s*layers: \[784, 17, 10\]`, the run started with' \
  edit_widths
refused epoch-beyond 'checkpoint.bin: epoch 7 out of range \(1 to the run.s 3 epochs\)' patch checkpoint.bin epoch 7
refused epoch-negative 'checkpoint.bin: epoch -2 out of range' patch checkpoint.bin epoch -2
refused rng-state 'checkpoint.bin: its content does not fit this chip and network' patch checkpoint.bin rng
refused json-length 'checkpoint.bin: its epoch records do not end it' patch checkpoint.bin json_length

# The CRC rewrite itself leaves a checkpoint that resumes (so the refusals above come from the
# edits), and a refused folder still resumes once the fault is undone.
cp -r pristine rewritten
patch rewritten/checkpoint.bin none
"$xbarsim" run --resume rewritten --quiet
check rewritten-resumes test -f rewritten/report.json
cp pristine/config.resolved.yaml config-learning-rate/config.resolved.yaml
"$xbarsim" run --resume config-learning-rate --quiet
check restored-config-resumes test -f config-learning-rate/report.json
check resumed-like-uninterrupted cmp -s rewritten/report.json config-learning-rate/report.json

cli_result
