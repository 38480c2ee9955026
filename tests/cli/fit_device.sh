#!/usr/bin/env bash
# xbarsim fit-device (docs/devices/measured_response.md): fits the nonlinearity model to a CSV of
# measured LTP/LTD sweeps and writes a measured_response card. On noise-free points of the model
# (labels 2.4 / -4.88 through NeuroSim's A table, 1 .. 10 uS, 20 and 25 pulses) it gives them back
# with a zero residual, reported on stdout and in the card, and the card (with the electrical keys
# added) validates. A malformed CSV, a missing --data and an existing --out each end with exit 1,
# one line naming what is wrong (file, line, column), and no card.
# Usage: fit_device.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cli_setup "$1" "$2"

python3 - <<'PY'
import math
# G(P) = g_min + B (1 - e^(-P/A)), B = R / (1 - e^(-P_max/A)), A = normalized A x P_max; the
# normalized A of labels 2.4 and -4.88 from NeuroSim's table (formula.cpp getParamA).
g_min, g_max = 1.0, 10.0
def curve(p, a, p_max):
    return g_min + (g_max - g_min) / (1 - math.exp(-p_max / a)) * (1 - math.exp(-p / a))
with open('sweeps.csv', 'w') as f:
    f.write('# synthetic: the model itself, no noise\ndirection,pulse,conductance_uS\n')
    for k in range(21):
        f.write(f'ltp,{k},{curve(k, 0.499181 * 20, 20):.12g}\n')
    for d in range(26):
        f.write(f'ltd,{d},{curve(25 - d, -0.200303 * 25, 25):.12g}\n')
PY

"$xbarsim" fit-device --data sweeps.csv --out card.yaml >fit.out 2>fit.err
status=$?
check fit-exit-0 test "$status" -eq 0
check fit-quiet-stderr test ! -s fit.err
check fit-points grep -q 'sweeps.csv: 21 ltp and 26 ltd points' fit.out
check fit-residual-stdout grep -Eq 'residual RMS .* = 0\.00 % of the range' fit.out
check card-residual-comment grep -Eq '^# .*residual RMS .* = 0\.00 % of the range' card.yaml
check card-ltp grep -Eq '^  nonlinearity_ltp: 2\.400 ' card.yaml
check card-ltd grep -Eq '^  nonlinearity_ltd: -4\.880 ' card.yaml
check card-pulses grep -q '^  pulses_ltp: 20 ' card.yaml
check card-pulses-ltd grep -q '^  pulses_ltd: 25 ' card.yaml
check card-gmin grep -Eq '^  g_min: (1(\.0+)? uS|1000(\.0+)? nS) ' card.yaml
check card-gmax grep -Eq '^  g_max: (10(\.0+)? uS|10000(\.0+)? nS) ' card.yaml
"$xbarsim" validate card.yaml --set 'device.energy_per_pulse=1 pJ' --set 'device.pulse_width=1 us' \
  --set 'device.read_voltage=0.2 V' --set 'device.read_pulse_width=10 ns' >validate.out 2>&1
check card-validates test $? -eq 0
"$xbarsim" validate card.yaml 2>missing.err
check card-asks-for-energy grep -q 'device.energy_per_pulse: missing required key' missing.err

# An existing --out is never overwritten.
"$xbarsim" fit-device --data sweeps.csv --out card.yaml >/dev/null 2>exists.err
check exists-exit-1 test $? -eq 1
check exists-one-line test "$(wc -l <exists.err)" -eq 1
check exists-says grep -q 'card.yaml exists' exists.err

# A malformed CSV: a pulse number that is not an integer on line 4.
printf 'direction,pulse,conductance_nS\nltp,0,1\nltp,1,2\nltp,two,3\nltd,0,3\nltd,1,1\n' >bad.csv
"$xbarsim" fit-device --data bad.csv --out bad.yaml >/dev/null 2>bad.err
check bad-exit-1 test $? -eq 1
check bad-one-line test "$(wc -l <bad.err)" -eq 1
check bad-names-line-and-column grep -q "bad.csv:4: column 2 (pulse): expected an integer in \[0, 1000000\].*got 'two'" bad.err
check bad-no-card test ! -e bad.yaml

# A header without a conductance unit.
printf 'direction,pulse,conductance\nltp,0,1\n' >header.csv
"$xbarsim" fit-device --data header.csv --out header.yaml >/dev/null 2>header.err
check header-exit-1 test $? -eq 1
check header-names-line grep -q "header.csv:1: header: expected 'direction,pulse,conductance_<unit>'" header.err
check header-no-card test ! -e header.yaml

# Only one direction.
printf 'direction,pulse,conductance_nS\nltp,0,1\nltp,1,2\n' >one.csv
"$xbarsim" fit-device --data one.csv --out one.yaml >/dev/null 2>one.err
check one-exit-1 test $? -eq 1
check one-says grep -q 'one.csv: ltd has no rows' one.err

"$xbarsim" fit-device --out x.yaml >/dev/null 2>usage.err
check usage-exit-1 test $? -eq 1
check usage-says grep -q 'fit-device: --data FILE.csv is required' usage.err

cli_result
