#!/usr/bin/env python3
"""Figures of an xbarsim sweep or comparison folder, as PNG and SVG beside its sweep.csv.

xbarsim sweep, compare and merge write this script into the folder as plots/plot_sweep.py and
run it there; edit it to restyle and run it again to redraw:

    python3 plots/plot_sweep.py [FOLDER] [--describe FILE.json]

It reads FOLDER/sweep.csv and FOLDER/sweep.json (FOLDER defaults to the current directory) and
writes, for what the CSV holds:

  METRIC_vs_AXIS         each metric against each numeric axis, one line per combination of
                         the other axes (METRIC: accuracy, energy_per_inference, latency, area,
                         energy_per_training_image, tops_per_w)
  METRIC_by_AXIS         the same as bars when no axis is numeric (a comparison: per technology)
  energy_breakdown       energy per inference by component, stacked bars per configuration
  training_energy_breakdown  energy per training image by component
  area_breakdown         area by component
  energy_by_layer        energy per inference by layer
  pareto_energy_accuracy, pareto_energy_area, pareto_tops_per_w_tops_per_mm2   Pareto fronts

Conventions: an axis whose keys are exactly ["experiment.seed"] is never an x axis; rows that
differ only in the seed are averaged (error bars: one sample standard deviation). Rows of the
reference named by sweep.json's "reference" ({"axis": ..., "label": ...}) are drawn only as a
dashed line on accuracy figures (with the band of "accuracy_margin_pct" below it when given).
Every energy or area component has the same colour in every figure. --describe writes what
each figure shows (legend order, ticks, limits, error bars) as JSON, for tests.

Exit status: 0 every figure drawn; 1 some figure failed (one line each on stderr); 2 bad
folder; 3 matplotlib missing for this interpreter.
"""

import argparse
import csv
import json
import math
import os
import sys
import textwrap

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator
except ImportError as error:
    print(f"plot_sweep.py: {error} (for {sys.executable}); install python3-matplotlib "
          "(Debian: apt-get install python3-matplotlib) and run this script again", file=sys.stderr)
    sys.exit(3)

EXIT_FIGURE_FAILED = 1

# One colour per energy/area component, the same in every figure (Paul Tol's colour-blind safe
# schemes, bright, muted and light, chosen to be pairwise distinct). Components not named here
# get the spare colours in the order they first appear in sweep.csv.
COMPONENT_COLOURS = {
    "array": "#4477AA",
    "cells": "#88CCEE",
    "adc": "#EE6677",
    "dac": "#CCBB44",
    "shift_add": "#228833",
    "buffer": "#AA3377",
    "digital": "#332288",
    "control": "#999933",
    "leakage": "#BBBBBB",
    "write_driver": "#663333",
    "accumulator": "#44AA99",
    "backward_adc": "#FFAABB",
    "backward_dac": "#000000",
}
SPARE_COLOURS = ["#EE7733", "#AAAA00", "#0077BB", "#DDDDDD", "#117733"]
# Lines and bars of series (combinations of the other axes): Okabe-Ito, with a marker each.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", ":", "-."]


def series_styles(keys):
    """(colour, marker, linestyle) per series key (a tuple of the other axes' values): with two or
    more other axes the colour follows the first (the technology of a comparison) and the marker
    and line style the rest, so no two series look alike however many there are; with one, a
    colour and a marker per series (the 8 series colours, then a 20-colour cycle)."""
    keys = list(keys)
    if keys and len(keys[0]) >= 2:
        firsts = list(dict.fromkeys(k[:1] for k in keys))
        rests = list(dict.fromkeys(k[1:] for k in keys))
        palette = SERIES_COLOURS if len(firsts) <= len(SERIES_COLOURS) else [plt.cm.tab20(i) for i in range(20)]
        return {k: (palette[firsts.index(k[:1]) % len(palette)], MARKERS[rests.index(k[1:]) % len(MARKERS)],
                    LINESTYLES[rests.index(k[1:]) % len(LINESTYLES)]) for k in keys}
    palette = SERIES_COLOURS if len(keys) <= len(SERIES_COLOURS) else [plt.cm.tab20(i) for i in range(20)]
    return {k: (palette[i % len(palette)], MARKERS[i % len(MARKERS)], "-") for i, k in enumerate(keys)}

# (column, file name stem, quantity, unit, kind): kind "accuracy", "cost" (lower is better) or
# "benefit" (higher is better).
METRICS = [
    ("test_accuracy_pct", "accuracy", "test accuracy", "%", "accuracy"),
    ("energy_per_inference_pJ.total", "energy_per_inference", "energy per inference", "pJ", "cost"),
    ("latency_per_inference_ns", "latency", "latency per inference", "ns", "cost"),
    ("area_um2.total", "area", "area", "um2", "cost"),
    ("energy_per_training_image_pJ.total", "energy_per_training_image", "energy per training image", "pJ", "cost"),
    ("tops_per_w", "tops_per_w", "energy efficiency", "TOPS/W", "benefit"),
]
ACCURACY = "test_accuracy_pct"
SEED_KEYS = ["experiment.seed"]
IGNORED_COLUMNS = {"point", "schema_version"}
LOG_SPREAD = 30.0  # a cost axis is logarithmic only when its values span more than this ratio

# Units scaled so that numbers stay short: (unit, [(factor, larger unit), ...]).
UNIT_STEPS = {
    "pJ": [(1.0, "pJ"), (1e3, "nJ"), (1e6, "uJ"), (1e9, "mJ")],
    "ns": [(1.0, "ns"), (1e3, "us"), (1e6, "ms"), (1e9, "s")],
    "um2": [(1.0, "um2"), (1e6, "mm2")],
}
# ASCII source (it is embedded in the xbarsim binary): micro sign, superscript two, plus-minus.
MICRO, SQUARED, PLUS_MINUS = "\u00b5", "\u00b2", "\u00b1"
UNIT_TEXT = {"um2": f"{MICRO}m{SQUARED}", "mm2": f"mm{SQUARED}", "uJ": f"{MICRO}J", "us": f"{MICRO}s"}


def parse_number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def unit_scale(unit, values):
    """The factor and unit text that keep the largest value below 10,000."""
    steps = UNIT_STEPS.get(unit, [(1.0, unit)])
    largest = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    chosen = steps[0]
    for step in steps:
        if largest / step[0] >= 1.0:
            chosen = step
        if largest / step[0] < 1e4:
            break
    return chosen[0], UNIT_TEXT.get(chosen[1], chosen[1])


def mean_std(values):
    """Mean, sample standard deviation (None for fewer than two values) and count."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None, 0
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None, len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var), len(values)


class Sweep:
    """sweep.csv and sweep.json of one folder: axes, rows, seed groups and the reference."""

    def __init__(self, folder):
        with open(os.path.join(folder, "sweep.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        with open(os.path.join(folder, "sweep.csv"), newline="", encoding="utf-8") as f:
            table = list(csv.reader(f))
        self.columns = table[0]
        self.rows = [dict(zip(self.columns, r)) for r in table[1:] if r]
        self.kind = self.manifest.get("kind", "sweep")
        self.mode = self.manifest.get("mode", "product")
        axes = self.manifest.get("axes", [])
        self.axis_labels = {a["name"]: [str(v) for v in a.get("labels", [])] for a in axes}
        self.seed_axes = [a["name"] for a in axes if a.get("keys") == SEED_KEYS]
        self.config_axes = [a["name"] for a in axes if a["name"] not in self.seed_axes]
        self.numeric = self._numeric_columns({a["name"] for a in axes})

        ref = self.manifest.get("reference") or {}
        flagged = {p["name"] for p in self.manifest.get("points", []) if p.get("reference")}
        self.reference_label = ref.get("label")
        ref_axis = ref.get("axis")

        def is_reference(row):
            if row.get("point") in flagged:
                return True
            return ref_axis is not None and row.get(ref_axis) == self.reference_label

        self.reference_rows = [r for r in self.rows if is_reference(r)]
        self.hw_rows = [r for r in self.rows if not is_reference(r)]
        margin = self.manifest.get("accuracy_margin_pct")
        self.margin = float(margin) if isinstance(margin, (int, float)) else None

        # Configurations: rows that differ only in the seed, in point order.
        self.groups = {}
        for r in self.hw_rows:
            self.groups.setdefault(tuple(r.get(a, "") for a in self.config_axes), []).append(r)
        self.seed_counts = sorted({len(g) for g in self.groups.values()})

    def _numeric_columns(self, axis_names):
        numeric = []
        for c in self.columns:
            if c in IGNORED_COLUMNS or c in axis_names:
                continue
            cells = [r.get(c, "") for r in self.rows if r.get(c, "") != ""]
            if cells and all(parse_number(v) is not None for v in cells):
                numeric.append(c)
        return numeric

    def has(self, column):
        return column in self.numeric

    def stat(self, key, column):
        """Mean, std and count of `column` over the seeds of configuration `key`."""
        return mean_std([parse_number(r.get(column, "")) for r in self.groups[key]])

    def reference_accuracy(self):
        if not self.reference_rows or ACCURACY not in self.columns:
            return None
        return mean_std([parse_number(r.get(ACCURACY, "")) for r in self.reference_rows])[0]

    def axis_values(self, axis):
        """The axis's labels that occur in the hardware rows, in sweep.json order."""
        present = {k[self.config_axes.index(axis)] for k in self.groups}
        return [v for v in self.axis_labels.get(axis, []) if v in present] or sorted(present)

    def is_numeric_axis(self, axis):
        values = self.axis_values(axis)
        return len(values) >= 2 and all(parse_number(v) is not None for v in values)

    def x_axes(self):
        numeric = [a for a in self.config_axes if self.is_numeric_axis(a)]
        return numeric[:1] if self.mode == "zip" else numeric

    def seeds_text(self):
        if not self.seed_axes or self.seed_counts[-1:] in ([], [1]):
            return ""
        n = "-".join(str(c) for c in (self.seed_counts[0], self.seed_counts[-1]) if c) \
            if len(self.seed_counts) > 1 else str(self.seed_counts[0])
        return f"mean {PLUS_MINUS} std over {n} seeds"

    def config_label(self, key, axes=None):
        axes = self.config_axes if axes is None else axes
        return ", ".join(key[self.config_axes.index(a)] for a in axes)

    def components(self, group):
        """Component columns GROUP.NAME (no deeper level, no total) non-zero in some configuration."""
        out = []
        for c in self.numeric:
            rest = c[len(group) + 1:] if c.startswith(group + ".") else ""
            if not rest or rest == "total" or "." in rest:
                continue
            if any(abs(self.stat(k, c)[0] or 0.0) > 0.0 for k in self.groups):
                out.append(c)
        return out


def component_colours(sweep):
    """Colour of every component name of the folder: fixed ones first, spares in CSV order."""
    colours = dict(COMPONENT_COLOURS)
    spare = iter(SPARE_COLOURS * 4)
    for c in sweep.columns:
        for group in ("energy_per_inference_pJ", "energy_per_training_image_pJ", "area_um2"):
            rest = c[len(group) + 1:] if c.startswith(group + ".") else ""
            if rest and rest != "total" and "." not in rest and rest not in colours:
                colours[rest] = next(spare)
    return colours


def handle_colour(handle):
    """The colour of a legend entry as #rrggbb (lines: their colour; patches: their fill)."""
    getter = handle.get_color if hasattr(handle, "get_xdata") else getattr(handle, "get_facecolor", None)
    if getter is None:
        return None
    rgba = matplotlib.colors.to_rgba_array(getter())
    return matplotlib.colors.to_hex(rgba[0], keep_alpha=False) if len(rgba) else None


def wrap(text, width=11):
    return "\n".join(textwrap.wrap(text, width)) or text


class Figures:
    """Draws the figures of one sweep and records what each shows (for --describe)."""

    def __init__(self, folder, sweep):
        self.folder = folder
        self.sweep = sweep
        self.colours = component_colours(sweep)
        self.written = []
        self.failed = []
        self.described = {}

    # --- common pieces ---

    def new(self, wide=False):
        fig, ax = plt.subplots(figsize=(8.0 if wide else 7.0, 4.2), layout="constrained")
        ax.grid(True, axis="y", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        return fig, ax

    def title(self, ax, text):
        seeds = self.sweep.seeds_text()
        ax.set_title(f"{text}\n({seeds})" if seeds else text, fontsize=11)

    def set_value_axis(self, ax, which, kind, lows, highs, reference=None):
        """Limits of a value axis: accuracy clipped to [0, 100] around the data (and the
        reference band); costs and benefits from 0, or logarithmic beyond a 30x spread."""
        lows = [v for v in lows if v is not None]
        highs = [v for v in highs if v is not None]
        if not lows:
            return
        set_lim = ax.set_ylim if which == "y" else ax.set_xlim
        if kind == "accuracy":
            if reference is not None:
                lows.append(reference - (self.sweep.margin or 0.0))
                highs.append(reference)
            lo, hi = min(lows), max(highs)
            pad = max(0.5, 0.08 * (hi - lo))
            set_lim(max(0.0, lo - pad), min(100.0, hi + pad))
            return
        lo, hi = min(lows), max(highs)
        if lo > 0 and hi / lo > LOG_SPREAD:
            (ax.set_yscale if which == "y" else ax.set_xscale)("log")
            set_lim(lo / 1.5, hi * 1.5)
        else:
            set_lim(0.0, hi * 1.08 if hi > 0 else 1.0)

    def fit_axis(self, ax, which, kind, lows, highs, right=0.08):
        """Limits around the data (logarithmic beyond a 30x spread)."""
        lo, hi = min(lows), max(highs)
        if kind != "accuracy" and lo > 0 and hi / lo > LOG_SPREAD:
            (ax.set_yscale if which == "y" else ax.set_xscale)("log")
            (ax.set_ylim if which == "y" else ax.set_xlim)(lo / 1.5, hi * 1.5 * (1 + right))
            return
        span = (hi - lo) or abs(hi) or 1.0
        (ax.set_ylim if which == "y" else ax.set_xlim)(lo - 0.08 * span, hi + max(0.08, right) * span)

    def reference_line(self, ax):
        ref = self.sweep.reference_accuracy()
        if ref is None:
            return None
        label = self.sweep.reference_label or "reference"
        if self.sweep.margin:
            ax.axhspan(ref - self.sweep.margin, ref, color="#BBBBBB", alpha=0.3, linewidth=0, gid="reference",
                       label=f"within {self.sweep.margin:g} points of the reference")
        ax.axhline(ref, color="black", linestyle="--", linewidth=1.2, gid="reference",
                   label=f"{label} reference {ref:.1f} %")
        return ref

    def x_ticks(self, ax, axis):
        """Ticks exactly at the swept values; log2 for powers of two spanning 4x or more."""
        labels = self.sweep.axis_values(axis)
        values = [parse_number(v) for v in labels]
        lo, hi = min(values), max(values)
        powers_of_two = lo > 0 and all(v == 2 ** round(math.log2(v)) for v in values)
        if powers_of_two and hi / lo >= 4:
            ax.set_xscale("log", base=2)
            ax.set_xlim(lo / 2 ** 0.3, hi * 2 ** 0.3)
        elif lo > 0 and hi / lo > LOG_SPREAD:
            ax.set_xscale("log")
            ax.set_xlim(lo / 1.4, hi * 1.4)
        else:
            pad = 0.05 * (hi - lo)
            ax.set_xlim(lo - pad, hi + pad)
        ax.xaxis.set_major_locator(FixedLocator(values))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(values, labels)
        if sum(len(t) for t in labels) > 40:
            plt.setp(ax.get_xticklabels(), rotation=30, ha="right")

    def category_ticks(self, ax, positions, labels):
        ax.set_xticks(positions, [wrap(t) for t in labels])
        ax.set_xlim(min(positions) - 0.6, max(positions) + 0.6)
        if len(labels) > 4 and max(len(t) for t in labels) > 6:
            plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")

    def legend(self, ax, title=None, reverse=False, outside=True):
        handles, labels = ax.get_legend_handles_labels()
        if not handles:
            return
        if reverse:
            handles, labels = handles[::-1], labels[::-1]
        # The reference line and its band after the data's entries.
        order = sorted(range(len(handles)), key=lambda i: getattr(handles[i], "get_gid", lambda: None)() == "reference")
        handles, labels = [handles[i] for i in order], [labels[i] for i in order]
        kwargs = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if outside else {"loc": "best"}
        ax.legend(handles, labels, title=title, fontsize=9, title_fontsize=9, frameon=False, **kwargs)

    def save(self, fig, ax, name, extra):
        """Writes NAME.png and NAME.svg and records what the figure shows."""
        fig.savefig(os.path.join(self.folder, name + ".png"), dpi=150)
        fig.savefig(os.path.join(self.folder, name + ".svg"), metadata={"Date": None})
        legend = ax.get_legend()
        entries = []
        if legend is not None:
            handles = getattr(legend, "legend_handles", None) or legend.legendHandles  # before 3.7
            for text, handle in zip(legend.get_texts(), handles):
                entries.append({"label": text.get_text(), "colour": handle_colour(handle)})
        self.described[name] = {
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "xscale": ax.get_xscale(),
            "yscale": ax.get_yscale(),
            "xticks": [float(t) for t in ax.get_xticks()],
            "xticklabels": [t.get_text() for t in ax.get_xticklabels()],
            "xlim": [float(v) for v in ax.get_xlim()],
            "ylim": [float(v) for v in ax.get_ylim()],
            "legend": entries,
            **extra,
        }
        plt.close(fig)
        self.written.append(name)

    def draw(self, name, function, *args):
        try:
            function(name, *args)
        except Exception as error:  # one figure failing must not lose the others
            plt.close("all")
            self.failed.append(f"{name}: {type(error).__name__}: {error}")

    # --- metric figures ---

    def metric_vs_axis(self, name, metric, axis):
        column, _, quantity, unit, kind = metric
        s = self.sweep
        others = [a for a in s.config_axes if a != axis]
        x_index = s.config_axes.index(axis)
        series = {}
        for key in s.groups:
            series.setdefault(tuple(key[s.config_axes.index(a)] for a in others), []).append(key)
        means = [s.stat(k, column)[0] for k in s.groups]
        factor, unit_text = (1.0, unit) if kind != "cost" else unit_scale(unit, means)
        fig, ax = self.new()
        errorbars = []
        lows, highs = [], []
        styles = series_styles(series.keys())
        for other, keys in series.items():
            points = []
            for k in keys:
                mean, std, n = s.stat(k, column)
                x = parse_number(k[x_index])
                if mean is not None and x is not None:
                    points.append((x, mean / factor, None if std is None else std / factor, n))
            if not points:
                continue
            points.sort()
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            errs = [p[2] if p[2] is not None else 0.0 for p in points]
            label = ", ".join(other) if other else quantity
            colour, marker, linestyle = styles[other]
            has_err = any(p[2] is not None for p in points)
            ax.errorbar(xs, ys, yerr=errs if has_err else None, color=colour, marker=marker, linestyle=linestyle,
                        linewidth=1.6, markersize=5, capsize=3 if has_err else 0, label=label)
            for p in points:
                errorbars.append({"series": label, "x": p[0], "mean": p[1], "std": p[2], "n": p[3]})
                lows.append(p[1] - (p[2] or 0.0))
                highs.append(p[1] + (p[2] or 0.0))
        if not errorbars:
            plt.close(fig)
            return
        reference = self.reference_line(ax) if kind == "accuracy" else None
        self.x_ticks(ax, axis)
        self.set_value_axis(ax, "y", kind, lows, highs, reference)
        ax.set_xlabel(axis)
        ax.set_ylabel(f"{quantity} ({unit_text})")
        self.title(ax, f"{quantity} vs {axis}")
        show_legend = bool(others) or reference is not None
        if show_legend:
            self.legend(ax, title=", ".join(others) if others else None)
        self.save(fig, ax, name, {"errorbars": errorbars, "reference": reference})

    def metric_by_axis(self, name, metric, axis):
        """Bars per value of a categorical axis (a comparison: per technology), grouped by the
        other axes."""
        column, _, quantity, unit, kind = metric
        s = self.sweep
        others = [a for a in s.config_axes if a != axis]
        categories = s.axis_values(axis)
        hues = []
        for key in s.groups:
            h = tuple(key[s.config_axes.index(a)] for a in others)
            if h not in hues:
                hues.append(h)
        means = [s.stat(k, column)[0] for k in s.groups]
        factor, unit_text = (1.0, unit) if kind != "cost" else unit_scale(unit, means)
        fig, ax = self.new()
        width = 0.8 / len(hues)
        errorbars = []
        lows, highs = [], []
        for j, hue in enumerate(hues):
            xs, ys, errs = [], [], []
            for i, cat in enumerate(categories):
                key = next((k for k in s.groups if k[s.config_axes.index(axis)] == cat
                            and tuple(k[s.config_axes.index(a)] for a in others) == hue), None)
                if key is None:
                    continue
                mean, std, n = s.stat(key, column)
                if mean is None:
                    continue
                xs.append(i + (j - (len(hues) - 1) / 2) * width)
                ys.append(mean / factor)
                errs.append(None if std is None else std / factor)
                label = cat if not hue else f"{cat} ({', '.join(hue)})"
                errorbars.append({"series": label, "x": xs[-1], "mean": ys[-1], "std": errs[-1], "n": n})
                lows.append(ys[-1] - (errs[-1] or 0.0))
                highs.append(ys[-1] + (errs[-1] or 0.0))
            if not xs:
                continue
            has_err = any(e is not None for e in errs)
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)] if len(hues) > 1 else "#4477AA"
            if kind == "accuracy":
                # Accuracies differ by tenths of a point: dots on an axis around the data, not
                # bars from 0 whose differences vanish.
                ax.errorbar(xs, ys, yerr=[e or 0.0 for e in errs] if has_err else None, fmt="o", color=colour,
                            markersize=7, capsize=4, elinewidth=1.2, ecolor="black",
                            label=", ".join(hue) if hue else None)
                if len(hues) * len(categories) <= 12:
                    for x, y, e in zip(xs, ys, errs):
                        ax.annotate(f"{y:.2f}", (x, y + (e or 0.0)), textcoords="offset points", xytext=(0, 4),
                                    ha="center", fontsize=8)
            else:
                bars = ax.bar(xs, ys, width * 0.9, color=colour, label=", ".join(hue) if hue else None,
                              yerr=[e or 0.0 for e in errs] if has_err else None, capsize=4,
                              error_kw={"elinewidth": 1.2, "ecolor": "black"})
                if len(hues) * len(categories) <= 12:
                    ax.bar_label(bars, labels=[f"{y:.0f}" if abs(y) >= 1000 else f"{y:.3g}" for y in ys], padding=2,
                                 fontsize=8)
        if not errorbars:
            plt.close(fig)
            return
        reference = self.reference_line(ax) if kind == "accuracy" else None
        self.category_ticks(ax, list(range(len(categories))), categories)
        # Bars start at 0 (their length is the value); accuracy dots sit on an axis around the
        # data (and the reference band), ending at 100 % at most.
        self.set_value_axis(ax, "y", kind, lows, highs, reference)
        ax.set_xlabel(axis)
        ax.set_ylabel(f"{quantity} ({unit_text})")
        self.title(ax, f"{quantity} by {axis}")
        if others or reference is not None:
            self.legend(ax, title=", ".join(others) if others else None)
        self.save(fig, ax, name, {"errorbars": errorbars, "reference": reference})

    # --- breakdowns ---

    def stacked(self, name, group, total_column, quantity, unit, by_layer=False):
        """One stacked bar per configuration; the legend lists the top of the stack first."""
        s = self.sweep
        parts = s.components(group)
        if not parts:
            return
        keys = list(s.groups)
        labels = [s.config_label(k) for k in keys]
        all_means = [s.stat(k, c)[0] or 0.0 for k in keys for c in parts]
        totals = [sum(s.stat(k, c)[0] or 0.0 for c in parts) for k in keys]
        factor, unit_text = unit_scale(unit, totals + all_means)
        fig, ax = self.new(wide=True)
        positions = list(range(len(keys)))
        bottom = [0.0] * len(keys)
        for i, c in enumerate(parts):
            part = c[len(group) + 1:]
            heights = [(s.stat(k, c)[0] or 0.0) / factor for k in keys]
            if by_layer:
                colour = "#BBBBBB" if part == "shared" else plt.cm.viridis(0.15 + 0.7 * i / max(1, len(parts) - 1))
            else:
                colour = self.colours.get(part, "#000000")
            ax.bar(positions, heights, 0.7, bottom=bottom, color=colour, edgecolor="white", linewidth=0.5,
                   label=part.replace("_", " "))
            bottom = [b + h for b, h in zip(bottom, heights)]
        errorbars = []
        if total_column in s.numeric:
            for p, k in zip(positions, keys):
                mean, std, n = s.stat(k, total_column)
                if mean is not None:
                    errorbars.append({"series": labels[p], "x": p, "mean": mean / factor,
                                      "std": None if std is None else std / factor, "n": n})
        if any(e["std"] is not None for e in errorbars):
            ax.errorbar([e["x"] for e in errorbars], [e["mean"] for e in errorbars],
                        yerr=[e["std"] or 0.0 for e in errorbars], fmt="none", ecolor="black", capsize=4)
        self.category_ticks(ax, positions, labels)
        tops = [b + (e["std"] or 0.0) for b, e in zip(bottom, errorbars)] if errorbars else bottom
        ax.set_ylim(0.0, max(tops + bottom) * 1.08 or 1.0)
        ax.set_xlabel(", ".join(s.config_axes))
        ax.set_ylabel(f"{quantity} ({unit_text})")
        self.title(ax, f"{quantity} by {'layer' if by_layer else 'component'}")
        self.legend(ax, title="layer" if by_layer else "component", reverse=True)
        self.save(fig, ax, name, {"errorbars": errorbars, "reference": None, "stack": [c[len(group) + 1:] for c in parts]})

    # --- Pareto fronts ---

    def pareto(self, name, x_metric, y_metric):
        """Every configuration (means over seeds) and the front of those no other beats on both."""
        s = self.sweep
        (xc, _, xq, xu, xk), (yc, _, yq, yu, yk) = x_metric, y_metric
        points = []
        for k in s.groups:
            xm, xs, _ = s.stat(k, xc)
            ym, ys, n = s.stat(k, yc)
            if xm is not None and ym is not None:
                points.append((xm, ym, xs, ys, n, s.config_label(k)))
        if len(points) < 1:
            return
        x_sign = 1.0 if xk == "cost" else -1.0  # lower is better for costs
        y_sign = 1.0 if yk == "cost" else -1.0
        ordered = sorted(points, key=lambda p: (x_sign * p[0], y_sign * p[1]))
        front = []
        for p in ordered:
            if not front or y_sign * p[1] < y_sign * front[-1][1]:
                front.append(p)
        xf, xut = (1.0, xu) if xk != "cost" else unit_scale(xu, [p[0] for p in points])
        yf, yut = (1.0, yu) if yk != "cost" else unit_scale(yu, [p[1] for p in points])
        fig, ax = self.new()
        # Accuracy: the axis spans the front and the reference band; configurations far below
        # them (further than twice that span, at least 5 points: a 4-bit ADC at 11 %) sit as
        # markers on the bottom edge, counted in the legend, instead of squeezing the front into
        # a corner.
        below = []
        if yk == "accuracy":
            floor = min(p[1] - (p[3] or 0.0) for p in front)
            top = max(p[1] + (p[3] or 0.0) for p in front)
            ref = s.reference_accuracy()
            if ref is not None:
                floor = min(floor, ref - (s.margin or 0.0))
                top = max(top, ref)
            floor -= max(5.0, 2.0 * (top - floor))
            below = [p for p in points if p[1] < floor]
            points = [p for p in points if p[1] >= floor]
        has_err = any(p[2] is not None or p[3] is not None for p in points)
        ax.errorbar([p[0] / xf for p in points], [p[1] / yf for p in points],
                    xerr=[(p[2] or 0.0) / xf for p in points] if has_err else None,
                    yerr=[(p[3] or 0.0) / yf for p in points] if has_err else None,
                    fmt="o", color="#4477AA", markersize=5, capsize=2, label="configurations")
        ax.plot([p[0] / xf for p in front], [p[1] / yf for p in front], color="#EE6677", marker="o",
                markersize=9, markerfacecolor="none", markeredgewidth=1.6, linewidth=1.6, zorder=3,
                drawstyle="steps-post", label="Pareto front")
        # The front's points numbered along it, their names in the legend: names written beside
        # points collide as soon as two configurations lie close.
        for i, p in enumerate(front, start=1):
            ax.annotate(str(i), (p[0] / xf, p[1] / yf), textcoords="offset points", xytext=(7, 5 if i % 2 else -12),
                        fontsize=8, fontweight="bold")
            ax.plot([], [], linestyle="none", label=f"{i}: {p[5]}")
        reference = self.reference_line(ax) if yk == "accuracy" else None
        # A trade-off: both axes fit the data (accuracy still at most 100 %), with room on the
        # right for the labels.
        self.fit_axis(ax, "x", xk, [(p[0] - (p[2] or 0.0)) / xf for p in points + below],
                      [(p[0] + (p[2] or 0.0)) / xf for p in points + below], right=0.15)
        if yk == "accuracy":
            self.set_value_axis(ax, "y", yk, [(p[1] - (p[3] or 0.0)) / yf for p in points],
                                [(p[1] + (p[3] or 0.0)) / yf for p in points], reference)
            if below:
                bottom = ax.get_ylim()[0]
                ax.plot([p[0] / xf for p in below], [bottom] * len(below), linestyle="none", marker="v",
                        color="#888888", markersize=7, clip_on=False, zorder=4,
                        label=f"{len(below)} below the axis (best {max(p[1] for p in below) / yf:.1f} %)")
        else:
            self.fit_axis(ax, "y", yk, [(p[1] - (p[3] or 0.0)) / yf for p in points],
                          [(p[1] + (p[3] or 0.0)) / yf for p in points])
        ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_xlabel(f"{xq} ({xut})")
        ax.set_ylabel(f"{yq} ({yut})")
        self.title(ax, f"Pareto front: {yq} against {xq}")
        self.legend(ax, outside=True)
        front_text = [p[5] for p in front]
        self.save(fig, ax, name, {"errorbars": [], "reference": reference, "front": front_text, "below": len(below)})

    # --- all ---

    def draw_all(self):
        s = self.sweep
        metrics = [m for m in METRICS if s.has(m[0])]
        x_axes = s.x_axes()
        for axis in x_axes:
            for m in metrics:
                self.draw(f"{m[1]}_vs_{slug(axis)}", self.metric_vs_axis, m, axis)
        if not x_axes and s.config_axes:
            for m in metrics:
                self.draw(f"{m[1]}_by_{slug(s.config_axes[0])}", self.metric_by_axis, m, s.config_axes[0])
        inference = "energy_per_inference_pJ"
        training = "energy_per_training_image_pJ"
        if s.components(inference):
            self.draw("energy_breakdown", self.stacked, inference, inference + ".total", "energy per inference", "pJ")
            if s.components(training):
                self.draw("training_energy_breakdown", self.stacked, training, training + ".total",
                          "energy per training image", "pJ")
        elif s.components(training):
            self.draw("energy_breakdown", self.stacked, training, training + ".total", "energy per training image",
                      "pJ")
        self.draw("area_breakdown", self.stacked, "area_um2", "area_um2.total", "area", "um2")
        self.draw("energy_by_layer", self.stacked, inference + ".by_layer", inference + ".total",
                  "energy per inference", "pJ", True)
        by_column = {m[0]: m for m in METRICS}
        energy = by_column["energy_per_inference_pJ.total"] if s.has("energy_per_inference_pJ.total") \
            else by_column["energy_per_training_image_pJ.total"]
        if s.has(ACCURACY) and s.has(energy[0]):
            self.draw("pareto_energy_accuracy", self.pareto, energy, by_column[ACCURACY])
        if s.has("area_um2.total") and s.has("energy_per_inference_pJ.total"):
            self.draw("pareto_energy_area", self.pareto, by_column["area_um2.total"],
                      by_column["energy_per_inference_pJ.total"])
        if s.has("tops_per_w") and s.has("tops_per_mm2"):
            tops_mm2 = ("tops_per_mm2", "tops_per_mm2", "area efficiency", f"TOPS/mm{SQUARED}", "benefit")
            self.draw("pareto_tops_per_w_tops_per_mm2", self.pareto, tops_mm2, by_column["tops_per_w"])


def slug(text):
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in text)


def main():
    parser = argparse.ArgumentParser(description="Draws the figures of an xbarsim sweep folder.")
    parser.add_argument("folder", nargs="?", default=".", help="the sweep folder (default: here)")
    parser.add_argument("--describe", metavar="FILE", help="also write what each figure shows as JSON")
    args = parser.parse_args()
    try:
        sweep = Sweep(args.folder)
    except (OSError, ValueError, KeyError, IndexError) as error:
        print(f"plot_sweep.py: {args.folder}: not a finished sweep folder ({error})", file=sys.stderr)
        return 2
    matplotlib.rcParams.update({
        "svg.hashsalt": "xbarsim",  # the same SVG bytes for the same data
        "svg.fonttype": "none",     # text stays text: small, editable files
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    figures = Figures(args.folder, sweep)
    figures.draw_all()
    for name in figures.written:
        print(f"figure: {name}")
    for line in figures.failed:
        print(f"plot_sweep.py: failed: {line}", file=sys.stderr)
    if args.describe:
        with open(args.describe, "w", encoding="utf-8") as f:
            json.dump(figures.described, f, indent=1, sort_keys=True)
            f.write("\n")
    return EXIT_FIGURE_FAILED if figures.failed else 0


if __name__ == "__main__":
    sys.exit(main())
