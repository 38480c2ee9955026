#!/usr/bin/env python3
"""The table of an IR-drop sweep folder (configs/sweeps/array_size_ir_drop.yaml) as Markdown.

    python3 tools/ir_drop_table.py sweeps/array_size_ir_drop

One row per technology and array size: test accuracy and energy per inference with the wires
off and on, and the wires' own dissipation per inference with its share of the energy (wires
on). The wire energy is the sum of the `wire_1nS` rows of the inference phase in the point's
energy.csv (docs/arch/ir_drop.md, "On the chip") over the report's test images; sweep.csv
holds it only inside the array component. Needs the axes `array_size`, `technology` and
`ir_drop` (labels `off`, `on`).
"""

import csv
import json
import os
import sys


def wire_energy_per_inference_pJ(point_dir):
    with open(os.path.join(point_dir, "report.json"), encoding="utf-8") as f:
        images = json.load(f)["data"]["test_images"]
    total = 0.0
    with open(os.path.join(point_dir, "energy.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["action"] == "wire_1nS" and row["path"].startswith("inference/"):
                total += float(row["energy_pJ"])
    return total / images


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    folder = sys.argv[1]
    with open(os.path.join(folder, "sweep.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_key = {(r["technology"], r["array_size"], r["ir_drop"]): r for r in rows}
    technologies = list(dict.fromkeys(r["technology"] for r in rows))
    sizes = list(dict.fromkeys(r["array_size"] for r in rows))
    print("| technology | array | accuracy off (%) | accuracy on (%) | energy off (nJ) | energy on (nJ) "
          "| wires (nJ) | wires / energy on |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for tech in technologies:
        for size in sizes:
            off, on = by_key.get((tech, size, "off")), by_key.get((tech, size, "on"))
            if off is None or on is None:
                continue
            wire = wire_energy_per_inference_pJ(os.path.join(folder, "points", on["point"]))
            energy_on = float(on["energy_per_inference_pJ.total"])
            print(f"| {tech} | {size} x {size} | {float(off['test_accuracy_pct']):.2f} | "
                  f"{float(on['test_accuracy_pct']):.2f} | {float(off['energy_per_inference_pJ.total']) / 1e3:.2f} | "
                  f"{energy_on / 1e3:.2f} | {wire / 1e3:.3f} | {100.0 * wire / energy_on:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
