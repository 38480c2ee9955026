#!/usr/bin/env bash
# Installs what xbarsim needs from Debian's packages (run as root). Idempotent: quick and quiet
# when everything is already there. With --slurm, also a Slurm and munge for the cluster test of
# the sweep recipe (tests/integration/slurm_sweep.sh; not needed to build or by the test command).
set -euo pipefail
slurm=()
for a in "$@"; do
  case "$a" in
    --slurm) slurm=(slurmctld slurmd slurm-client munge) ;;
    *) echo "install-deps: unknown option $a (expected --slurm)" >&2; exit 1 ;;
  esac
done
packages=(
  "${slurm[@]}"
  g++ cmake make pkg-config
  libsystemc-dev
  libboost-dev libboost-program-options-dev
  libfmt-dev libyaml-cpp-dev libeigen3-dev nlohmann-json3-dev zlib1g-dev
  libonnx-dev libprotobuf-dev   # network.onnx (workloads/onnx_import.cpp)
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
  python3-matplotlib            # the sweep figures (sweep/plot_sweep.py); brings python3-numpy
  libxml2-utils                 # xmllint: the sweep tests parse the SVG figures as XML
  python3                       # the CLI tests read JSON and patch checkpoint files
  parallel                      # cli.sweep_parallel runs the GNU parallel recipe of docs/sweep.md
  ccache                        # rebuilds (both test presets compile the same sources)
  clang-format clang-tidy       # tools/lint.sh; the test command checks the format
  clang libclang-rt-dev         # the debug preset: sanitizers and libFuzzer (tools/fuzz.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
