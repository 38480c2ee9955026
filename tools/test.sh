#!/usr/bin/env bash
# The second README command (and what CI runs): installs what is missing, checks the C++ format,
# compiles the libraries, the command and the benchmarks with GCC -O3 -Werror (the ci preset),
# then builds the debug preset (clang -Werror, AddressSanitizer + UndefinedBehaviorSanitizer, the
# fuzz targets as libFuzzer programs) and runs every test through CTest under the sanitizers,
# then fuzzes each reader of user input for 10 s with those programs (docs/testing.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-deps.sh
tools/lint.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug
tools/fuzz.sh --seconds 10
