#!/usr/bin/env bash
# The figure script sweep/plot_sweep.py on hand-written sweep folders (no simulation): which
# figures it writes, and, through its --describe output, legend order and colours, ticks at the
# swept values, axis limits, the fp32 reference line, and mean +- std over seeds computed here
# by hand. Skips (77) without a python3 that has matplotlib. Usage: plot_script.sh XBARSIM SRC_DIR
set -u
. "$(dirname "$0")/lib/common.bash"
cli_setup "$1" "$2"
script="$src/sweep/plot_sweep.py"

python=""
for p in $(type -ap python3); do
  if "$p" -c 'import matplotlib, numpy' 2>/dev/null; then python="$p"; break; fi
done
if [ -z "$python" ]; then
  echo "SKIP: no python3 with matplotlib and numpy on PATH"
  exit 77
fi

# --- a sweep: rows (powers of two) x technology x seed, with an fp32 reference ---
mkdir -p sw
"$python" - sw <<'PY'
import csv, json, sys
d = sys.argv[1]
cols = ["point", "rows", "technology", "seed", "test_accuracy_pct", "latency_per_inference_ns",
        "energy_per_inference_pJ.total", "energy_per_inference_pJ.array", "energy_per_inference_pJ.adc",
        "energy_per_inference_pJ.cells", "energy_per_inference_pJ.by_layer.layer0",
        "energy_per_inference_pJ.by_layer.layer1", "area_um2.total", "area_um2.array", "area_um2.adc",
        "tops_per_w", "tops_per_mm2", "programming_energy_split_pJ.definition", "schema_version"]
rows, points = [], []
acc = {("64", "dw5"): (90, 92), ("128", "dw5"): (93, 95), ("256", "dw5"): (94, 94),
       ("64", "pcm"): (91, 91), ("128", "pcm"): (95, 97), ("256", "pcm"): (97, 99)}
for r in ("64", "128", "256"):
    for t in ("dw5", "pcm"):
        for i, s in enumerate(("1", "2")):
            n = int(r)
            array, adc = n * 1.0 + i, n * 2.0 + 2 * i
            name = f"rows={r}_technology={t}_seed={s}"
            points.append({"name": name, "labels": [r, t, s], "reference": False})
            rows.append([name, r, t, s, acc[(r, t)][i], 1000 + n / 128 + i, array + adc, array, adc, 0,
                         0.75 * (array + adc), 0.25 * (array + adc), n * 100.0, n * 60.0, n * 40.0,
                         10 - n / 64 + i, 1 + n / 256, "pJ, per run", "1"])
for s, a in (("1", 98), ("2", 99)):
    points.append({"name": f"technology=fp32_seed={s}", "labels": ["", "fp32", s], "reference": True})
    rows.append([f"technology=fp32_seed={s}", "", "fp32", s, a] + [""] * 12 + ["", "1"])
with open(f"{d}/sweep.csv", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([cols] + rows)
json.dump({"kind": "sweep", "name": "fixture", "mode": "product",
           "axes": [{"name": "rows", "keys": ["arch.array.rows", "arch.array.cols"], "labels": ["64", "128", "256"]},
                    {"name": "technology", "keys": ["device.include"], "labels": ["dw5", "pcm", "fp32"]},
                    {"name": "seed", "keys": ["experiment.seed"], "labels": ["1", "2"]}],
           "reference": {"axis": "technology", "label": "fp32"}, "accuracy_margin_pct": 1.5,
           "points": points}, open(f"{d}/sweep.json", "w"))
PY
(cd sw && "$python" "$script" --describe describe.json > out.txt 2> err.txt)
check "sweep: the script exits 0" [ $? -eq 0 ]
check "sweep: nothing on stderr" [ ! -s sw/err.txt ]
expected="accuracy_vs_rows area_breakdown area_vs_rows energy_breakdown energy_by_layer energy_per_inference_vs_rows latency_vs_rows pareto_energy_accuracy pareto_energy_area pareto_tops_per_w_tops_per_mm2 tops_per_w_vs_rows"
check "sweep: the set of PNG figures" [ "$(cd sw && ls *.png | sed 's/\.png$//' | sort | tr '\n' ' ')" = "$expected " ]
check "sweep: the set of SVG figures" [ "$(cd sw && ls *.svg | sed 's/\.svg$//' | sort | tr '\n' ' ')" = "$expected " ]
check "sweep: one 'figure:' line per figure" [ "$(grep -c '^figure: ' sw/out.txt)" -eq 11 ]

# Each check: a Python expression on d (the --describe JSON) that must be true.
describe_check() {  # describe_check DIR NAME EXPRESSION
  check "$2" "$python" -c '
import json, math, sys
d = json.load(open(sys.argv[1] + "/describe.json"))
close = lambda a, b: abs(a - b) < 1e-9 * max(1.0, abs(b))
legend = lambda f: [e["label"] for e in d[f]["legend"]]
colour = lambda f, label: next(e["colour"] for e in d[f]["legend"] if e["label"] == label)
err = lambda f, series, x: next(e for e in d[f]["errorbars"] if e["series"] == series and close(e["x"], x))
ok = eval(sys.argv[2])
if not ok: print("  not true:", sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)' "$1" "$3"
}
A=accuracy_vs_rows
describe_check sw "accuracy: ticks at the swept rows" "d['$A']['xticks'] == [64, 128, 256] and d['$A']['xticklabels'] == ['64', '128', '256']"
describe_check sw "accuracy: log2 x axis" "d['$A']['xscale'] == 'log'"
describe_check sw "accuracy: upper limit at most 100 %" "99.414 < d['$A']['ylim'][1] <= 100"
describe_check sw "accuracy: lower limit near the data (margin band included)" "85 < d['$A']['ylim'][0] < 90.5"
describe_check sw "accuracy: fp32 reference = mean of 98 and 99" "close(d['$A']['reference'], 98.5)"
describe_check sw "accuracy: reference and band in the legend" "legend('$A') == ['dw5', 'pcm', 'fp32 reference 98.5 %', 'within 1.5 points of the reference'] or sorted(legend('$A')) == sorted(['dw5', 'pcm', 'fp32 reference 98.5 %', 'within 1.5 points of the reference'])"
describe_check sw "accuracy: mean and sample std over seeds (dw5, 64: 90, 92)" "close(err('$A', 'dw5', 64)['mean'], 91) and close(err('$A', 'dw5', 64)['std'], math.sqrt(2)) and err('$A', 'dw5', 64)['n'] == 2"
describe_check sw "accuracy: std 0 for equal seeds (dw5, 256)" "close(err('$A', 'dw5', 256)['std'], 0)"
describe_check sw "accuracy: 6 configurations, no fp32 point" "len(d['$A']['errorbars']) == 6"
describe_check sw "accuracy: seeds stated in the title" "'mean \u00b1 std over 2 seeds' in d['$A']['title']"
describe_check sw "no seed or technology x axis" "not any(k.endswith('_vs_seed') or k.endswith('_vs_technology') for k in d)"
L=latency_vs_rows
describe_check sw "latency: a 0.2 % change on an axis from 0" "d['$L']['ylim'][0] == 0 and d['$L']['yscale'] == 'linear'"
describe_check sw "latency: unit in the label" "d['$L']['ylabel'] == 'latency per inference (ns)'"
describe_check sw "latency: mean over seeds (pcm, 128: 1001, 1002)" "close(err('$L', 'pcm', 128)['mean'], 1001.5)"
describe_check sw "energy vs rows: no fp32 series" "legend('energy_per_inference_vs_rows') == ['dw5', 'pcm']"
describe_check sw "energy vs rows: no reference line" "d['energy_per_inference_vs_rows']['reference'] is None"
E=energy_breakdown
describe_check sw "breakdown: legend top of the stack first, zero cells left out" "legend('$E') == ['adc', 'array'] and d['$E']['stack'] == ['array', 'adc']"
describe_check sw "breakdown: one bar per configuration" "d['$E']['xticklabels'] == ['64, dw5', '64, pcm', '128, dw5', '128, pcm', '256, dw5', '256, pcm']"
describe_check sw "breakdown: error bar on the total (64, dw5: 192, 195)" "close(d['$E']['errorbars'][0]['mean'], 193.5) and close(d['$E']['errorbars'][0]['std'], math.sqrt(4.5))"
describe_check sw "breakdown: from 0" "d['$E']['ylim'][0] == 0"
describe_check sw "area breakdown: same colours as the energy breakdown" "colour('area_breakdown', 'adc') == colour('$E', 'adc') == '#ee6677' and colour('area_breakdown', 'array') == colour('$E', 'array') == '#4477aa'"
describe_check sw "area breakdown: unit scaled and named" "d['area_breakdown']['ylabel'] == 'area (\u00b5m\u00b2)'"
describe_check sw "by layer: layer1 on top, first in the legend" "legend('energy_by_layer') == ['layer1', 'layer0']"
describe_check sw "Pareto energy-accuracy: reference line, accuracy <= 100" "close(d['pareto_energy_accuracy']['reference'], 98.5) and d['pareto_energy_accuracy']['ylim'][1] <= 100"
describe_check sw "Pareto energy-accuracy: the front" "d['pareto_energy_accuracy']['front'] == ['64, dw5', '128, pcm', '256, pcm']"
describe_check sw "Pareto energy-accuracy: no point within 2 spans of the front hidden below the axis" "d['pareto_energy_accuracy']['below'] == 0"
describe_check sw "Pareto TOPS: the front (higher is better on both)" "d['pareto_tops_per_w_tops_per_mm2']['front'] == ['256, dw5', '128, dw5', '64, dw5']"

# --- a comparison: one categorical axis, no seeds, energies spanning 100x ---
mkdir -p cmp
"$python" - cmp <<'PY'
import csv, json, sys
d = sys.argv[1]
techs = [("DW 5-state", 80.0, 10.0), ("MTJ ternary", 85.0, 100.0), ("PCM", 90.0, 1000.0)]
with open(f"{d}/sweep.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["point", "technology", "test_accuracy_pct", "energy_per_inference_pJ.total", "energy_per_inference_pJ.array",
                "energy_per_inference_pJ.leakage"])
    for i, (t, a, e) in enumerate(techs):
        w.writerow([f"technology={i}", t, a, e, e / 2, e / 2])
json.dump({"kind": "compare", "name": "fixture", "mode": "product",
           "axes": [{"name": "technology", "keys": ["device.include"], "labels": [t[0] for t in techs]}],
           "points": [{"name": f"technology={i}", "labels": [t[0]]} for i, t in enumerate(techs)]},
          open(f"{d}/sweep.json", "w"))
PY
(cd cmp && "$python" "$script" --describe describe.json > out.txt 2> err.txt)
check "compare: the script exits 0" [ $? -eq 0 ]
check "compare: the set of figures" [ "$(cd cmp && ls *.png | sed 's/\.png$//' | sort | tr '\n' ' ')" = "accuracy_by_technology energy_breakdown energy_per_inference_by_technology pareto_energy_accuracy " ]
describe_check cmp "compare: bars per technology" "d['accuracy_by_technology']['xticklabels'] == ['DW 5-state', 'MTJ ternary', 'PCM']"
describe_check cmp "compare: no error bars without seeds" "all(e['std'] is None for e in d['accuracy_by_technology']['errorbars'])"
describe_check cmp "compare: accuracy dots on an axis around the data, at most 100" "75 < d['accuracy_by_technology']['ylim'][0] < 80 and 90 < d['accuracy_by_technology']['ylim'][1] <= 100"
describe_check cmp "compare: 100x energy spread on a log axis" "d['energy_per_inference_by_technology']['yscale'] == 'log'"
describe_check cmp "compare: no seeds in the title" "'seeds' not in d['accuracy_by_technology']['title']"
describe_check cmp "compare: breakdown legend" "legend('energy_breakdown') == ['leakage', 'array']"

# --- the palette: at least 12 named components, pairwise at least 50 apart in RGB (0-255) ---
check "palette: distinct component colours" "$python" -c '
import importlib.util, itertools, math, sys
spec = importlib.util.spec_from_file_location("plot_sweep", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
rgb = lambda h: [int(h[i:i + 2], 16) for i in (1, 3, 5)]
c = m.COMPONENT_COLOURS
near = min(math.dist(rgb(a), rgb(b)) for a, b in itertools.combinations(c.values(), 2))
sys.exit(0 if len(c) >= 12 and near >= 50 else 1)' "$script"

# --- deterministic SVG; matplotlib missing: exit 3 and one line ---
cp cmp/energy_breakdown.svg first.svg
(cd cmp && "$python" "$script" > /dev/null 2>&1)
check "the same SVG bytes when drawn again" cmp -s first.svg cmp/energy_breakdown.svg
mkdir -p nompl/matplotlib
echo 'raise ImportError("No module named matplotlib (test)")' > nompl/matplotlib/__init__.py
out="$(cd cmp && PYTHONPATH="$work/nompl" "$python" "$script" 2>&1)"
check "no matplotlib: exit 3" [ $? -eq 3 ]
check "no matplotlib: one line naming python3-matplotlib" [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] && grep -q "python3-matplotlib" <<< "$out"
out="$("$python" "$script" "$work/none" 2>&1)"
check "not a sweep folder: exit 2" [ $? -eq 2 ]

# Line styles: 3 technologies x 3 ADC resolutions (9 series, more than the 8 series colours) and
# 12 series of one axis: no two series share colour, marker and line style; with two axes the
# colour follows the technology (3 colours) and marker and line style the resolution.
styles_ok() {
  "$python" - "$script" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("plot_sweep", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
two = m.series_styles([(t, b) for t in ("DW", "MTJ", "PCM") for b in ("4", "6", "8")])
one = m.series_styles([(str(i),) for i in range(12)])
ok = len(set(two.values())) == 9 and len({c for c, _, _ in two.values()}) == 3
ok = ok and all(two[("DW", b)][1:] == two[("PCM", b)][1:] for b in ("4", "6", "8"))
ok = ok and len({str(c) for c, _, _ in one.values()}) == 12
sys.exit(0 if ok else 1)
PY
}
check "series styles: distinct beyond 8 series, colour by technology" styles_ok

cli_result
