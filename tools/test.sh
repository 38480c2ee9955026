#!/usr/bin/env bash
# The second README command (and what CI runs): installs what is missing, builds with
# -Werror and runs every test through CTest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci
