#!/usr/bin/env bash
# The second README command (and what CI runs): installs what is missing, checks the C++ format,
# builds with -Werror and runs every test through CTest, then builds the debug preset (ASan +
# UBSan) and runs every test again under the sanitizers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-deps.sh
tools/lint.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug
