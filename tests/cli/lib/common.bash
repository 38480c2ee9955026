# Shared by the CLI tests (sourced, not a test: CMake runs tests/cli/*.sh only).
# cli_setup XBARSIM SRC_DIR: sets xbarsim and src (absolute), makes and enters a temporary work
# folder (removed on exit, with any background process left in $pid), zeroes the counters.
cli_setup() {
  xbarsim="$(realpath "$1")"
  src="$(cd "$2" && pwd)"
  work="$(mktemp -d)"
  pid=""
  trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
  cd "$work" || exit 1
  passed=0
  failed=0
}

check() {  # check NAME COMMAND...: counts a pass when COMMAND succeeds
  local name="$1"
  shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

# make_data DIR N_TRAIN N_TEST [TEST_SIDE]: a deterministic MNIST-shaped data set (seeded random
# pixels, labels 0..9 in turn); training images 28 x 28, test images TEST_SIDE^2 (default 28).
make_data() {
  python3 - "$1" "$2" "$3" "${4:-28}" <<'PY'
import os, random, struct, sys
d, n_train, n_test, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(1)
os.makedirs(d, exist_ok=True)
for split, n, s in (('train', n_train, 28), ('t10k', n_test, side)):
    with open(f'{d}/{split}-images-idx3-ubyte', 'wb') as f:
        f.write(struct.pack('>iiii', 0x803, n, s, s) + random.randbytes(n * s * s))
    with open(f'{d}/{split}-labels-idx1-ubyte', 'wb') as f:
        f.write(struct.pack('>ii', 0x801, n) + bytes(i % 10 for i in range(n)))
PY
}

wait_for() {  # wait_for FILE: until FILE exists, up to 60 s
  for _ in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.1; done
  return 1
}

# tiny_base FILE: a one-epoch fp32 784-16-10 experiment on $work/data (make_data), the quick
# point of the sweep tests.
tiny_base() {
  cat >"$1" <<YAML
experiment: {name: tiny, impl: fp32_training, seed: 3}
data: {dataset: mnist, dir: $work/data}
network: {layers: [784, 16, 10]}
training: {epochs: 1, batch_size: 20, optimizer: {impl: sgd, learning_rate: 0.05}}
YAML
}

# make_learnable_data DIR: a learnable MNIST-shaped data set (make_data's random pixels give chance
# accuracy whatever the weights): 300 training and 60 test images, image i of class i % 10 bright
# in rows 2c..2c+4, dim elsewhere, with noise.
make_learnable_data() {
  python3 - "$1" <<'PY'
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
}

cli_result() {  # the last line of every test: the counts, and its exit status
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
