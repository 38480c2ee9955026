#!/usr/bin/env bash
# The first README command: installs what is missing, builds xbarsim (Release), fetches real
# MNIST and runs the main job. Extra arguments go to `xbarsim run` (e.g. --out DIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target xbarsim
tools/fetch-mnist.sh
main_job="${XBARSIM_MAIN_JOB:-configs/experiments/mnist_insitu_dw5.yaml}"
exec build/release/apps/xbarsim run "$main_job" "$@"
