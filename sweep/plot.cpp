#include "sweep/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include "core/report.hpp"
#include "sweep/process.hpp"

namespace xbarsim::sweep {
namespace {

struct Metric {
  std::string column;
  std::string slug;
  std::string label;
};

const std::vector<Metric>& line_metrics() {
  static const std::vector<Metric> m = {
      {"test_accuracy_pct", "accuracy", "test accuracy (%)"},
      {"energy_per_inference_pJ.total", "energy_per_inference", "energy per inference (pJ)"},
      {"area_um2.total", "area", "area (um^2)"},
      {"latency_per_inference_ns", "latency", "latency per inference (ns)"},
      {"energy_per_training_image_pJ.total", "energy_per_training_image", "energy per training image (pJ)"},
      {"tops_per_w", "tops_per_w", "TOPS/W"},
  };
  return m;
}

std::string slug(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

// A gnuplot single-quoted string.
std::string q(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::optional<double> parse(const std::string& s) {
  double v = 0.0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

struct Figure {
  std::string name;
  std::string data;  // plots/NAME.csv
  std::string body;  // gnuplot commands; the data file is DATA
};

std::string script(const Figure& f) {
  std::string body = f.body;
  const std::string data = q("plots/" + f.name + ".csv");
  for (std::size_t pos = 0; (pos = body.find("DATA", pos)) != std::string::npos; pos += data.size()) {
    body.replace(pos, 4, data);
  }
  return fmt::format(
      "# {0}: drawn by xbarsim from plots/{0}.csv; run `gnuplot plots/{0}.gp` in the sweep folder to redraw.\n"
      "set datafile separator ','\n"
      "set grid\n"
      "set key noenhanced\n"
      "set terminal pngcairo size 960,600 noenhanced font 'Sans,10'\n"
      "set output '{0}.png'\n"
      "{1}"
      "set terminal svg size 960,600 noenhanced font 'Sans,10'\n"
      "set output '{0}.svg'\n"
      "replot\n"
      "unset output\n",
      f.name, body);
}

// The metric against one numeric axis, one line per combination of the other axes.
std::optional<Figure> metric_vs_axis(const Table& t, const std::vector<std::string>& axes, std::size_t x,
                                     const Metric& m, bool series_by_others) {
  if (!t.column(m.column)) return std::nullopt;
  const std::size_t xc = *t.column(axes[x]);
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  std::vector<std::string> order;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto xv = parse(t.rows[r][xc]);
    const auto yv = t.number(r, m.column);
    if (!xv || !yv) continue;
    std::string key;
    if (series_by_others) {
      for (std::size_t a = 0; a < axes.size(); ++a) {
        if (a == x) continue;
        if (!key.empty()) key += ", ";
        key += axes[a] + "=" + t.rows[r][*t.column(axes[a])];
      }
    }
    if (series.find(key) == series.end()) order.push_back(key);
    series[key].emplace_back(*xv, *yv);
  }
  if (series.empty()) return std::nullopt;
  Figure f;
  f.name = fmt::format("{}_vs_{}", m.slug, slug(axes[x]));
  double lo = 1e300;
  double hi = -1e300;
  std::string plot = "plot ";
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto& pts = series[order[i]];
    std::sort(pts.begin(), pts.end());
    f.data += fmt::format("# {},{}\n", axes[x], m.column);
    for (const auto& [xv, yv] : pts) {
      f.data += fmt::format("{},{}\n", xv, yv);
      lo = std::min(lo, xv);
      hi = std::max(hi, xv);
    }
    f.data += "\n\n";
    if (i != 0) plot += ", ";
    plot += fmt::format("DATA index {} using 1:2 with linespoints lw 2 pt 7 title {}", i,
                        q(order[i].empty() ? m.label : order[i]));
  }
  f.body = fmt::format("set title {}\nset xlabel {}\nset ylabel {}\n", q(m.label + " vs " + axes[x]), q(axes[x]),
                       q(m.label));
  if (lo > 0 && hi / lo >= 8) f.body += "set logscale x 2\n";
  f.body += "set key outside right\n" + plot + "\n";
  return f;
}

std::optional<Figure> pareto(const Table& t, const std::vector<std::string>& axes) {
  const std::string acc = "test_accuracy_pct";
  std::string energy = "energy_per_inference_pJ.total";
  if (!t.column(energy)) energy = "energy_per_training_image_pJ.total";
  if (!t.column(acc) || !t.column(energy)) return std::nullopt;
  struct P {
    double e;
    double a;
    std::string label;
  };
  std::vector<P> pts;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto e = t.number(r, energy);
    const auto a = t.number(r, acc);
    if (!e || !a) continue;
    std::string label;
    for (const auto& ax : axes) label += (label.empty() ? "" : " ") + t.rows[r][*t.column(ax)];
    pts.push_back({*e, *a, label});
  }
  if (pts.empty()) return std::nullopt;
  std::vector<P> sorted = pts;
  std::sort(sorted.begin(), sorted.end(), [](const P& x, const P& y) { return x.e != y.e ? x.e < y.e : x.a > y.a; });
  std::vector<P> front;
  for (const auto& p : sorted) {
    if (front.empty() || p.a > front.back().a) front.push_back(p);
  }
  Figure f;
  f.name = "pareto_energy_accuracy";
  f.data = "# energy_pJ,accuracy_pct,point\n";
  for (const auto& p : pts) f.data += fmt::format("{},{},{}\n", p.e, p.a, csv_field(p.label));
  f.data += "\n\n# Pareto front\n";
  for (const auto& p : front) f.data += fmt::format("{},{},{}\n", p.e, p.a, csv_field(p.label));
  const std::string elabel =
      energy.rfind("energy_per_inference", 0) == 0 ? "energy per inference (pJ)" : "energy per training image (pJ)";
  f.body = fmt::format(
      "set title 'Pareto front: {} against test accuracy'\nset xlabel {}\nset ylabel 'test accuracy (%)'\n"
      "set key bottom right\nset offsets graph 0.02, graph 0.15, graph 0.05, graph 0.05\n"
      "plot DATA index 0 using 1:2 with points pt 7 ps 1.2 title 'points', \\\n"
      "     DATA index 1 using 1:2 with steps lw 2 title 'Pareto front', \\\n"
      "     DATA index 1 using 1:2:3 with labels offset 1,0.8 left notitle\n",
      elabel, q(elabel));
  return f;
}

std::optional<Figure> breakdown(const Table& t, const std::vector<std::string>& axes) {
  for (const std::string field : {"energy_per_inference_pJ", "energy_per_training_image_pJ"}) {
    std::vector<std::string> comps;
    for (const auto& c : t.columns) {
      if (is_part_column(c, field)) comps.push_back(c);
    }
    if (comps.empty() || t.rows.empty()) continue;
    Figure f;
    f.name = "energy_breakdown";
    f.data = "point";
    for (const auto& c : comps) f.data += fmt::format(",{}", c.substr(field.size() + 1));
    f.data += "\n";
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      std::string label;
      for (const auto& ax : axes) label += (label.empty() ? "" : " ") + t.rows[r][*t.column(ax)];
      f.data += csv_field(label);
      for (const auto& c : comps) f.data += fmt::format(",{}", t.number(r, c).value_or(0.0));
      f.data += "\n";
    }
    const std::string what = field == "energy_per_inference_pJ" ? "energy per inference" : "energy per training image";
    f.body = fmt::format(
        "set title 'Energy breakdown: {0} by component'\nset ylabel '{0} (pJ)'\n"
        "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\n"
        "set boxwidth 0.7\nset key outside right title 'component'\nset xtics rotate by -30 noenhanced\n"
        "set yrange [0:*]\n"
        "plot for [i=2:{1}] DATA using i:xtic(1) title columnheader(i)\n",
        what, comps.size() + 1);
    return f;
  }
  return std::nullopt;
}

bool numeric_axis(const Table& t, const std::string& axis) {
  const std::size_t c = *t.column(axis);
  std::vector<double> distinct;
  for (const auto& r : t.rows) {
    const auto v = parse(r[c]);
    if (!v) return false;
    if (std::find(distinct.begin(), distinct.end(), *v) == distinct.end()) distinct.push_back(*v);
  }
  return distinct.size() >= 2;
}

}  // namespace

std::string gnuplot_missing_hint(const std::string& redo) {
  return fmt::format(
      "plots: gnuplot not found, so only the CSVs were written; for PNG and SVG figures install it "
      "(apt-get install gnuplot-nox, or bash tools/install-deps.sh) and {}",
      redo);
}

PlotReport plot_table(const std::filesystem::path& dir, const Table& table, const std::vector<std::string>& axis_names,
                      const std::string& mode) {
  std::vector<Figure> figures;
  for (std::size_t x = 0; x < axis_names.size(); ++x) {
    if (!numeric_axis(table, axis_names[x])) continue;
    for (const auto& m : line_metrics()) {
      if (auto f = metric_vs_axis(table, axis_names, x, m, mode != "zip")) figures.push_back(std::move(*f));
    }
    if (mode == "zip") break;
  }
  if (auto f = pareto(table, axis_names)) figures.push_back(std::move(*f));
  if (auto f = breakdown(table, axis_names)) figures.push_back(std::move(*f));

  PlotReport report;
  const auto gnuplot = find_program("gnuplot");
  report.gnuplot_found = gnuplot.has_value();
  std::filesystem::create_directories(dir / "plots");
  for (const auto& f : figures) {
    write_file_atomic(dir / "plots" / (f.name + ".csv"), f.data);
    write_file_atomic(dir / "plots" / (f.name + ".gp"), script(f));
    if (!gnuplot) continue;
    const auto log = dir / "plots" / (f.name + ".log");
    const int rc = run_one({0, {gnuplot->string(), "plots/" + f.name + ".gp"}, log, dir});
    const bool ok =
        rc == 0 && std::filesystem::exists(dir / (f.name + ".png")) && std::filesystem::exists(dir / (f.name + ".svg"));
    if (ok) {
      std::filesystem::remove(log);
      report.figures.push_back(f.name);
    } else {
      std::ifstream in(log);
      std::string line;
      std::string last;
      while (std::getline(in, line)) {
        if (!line.empty()) last = line;
      }
      report.errors.push_back(fmt::format("plots: gnuplot failed on plots/{}.gp (exit {}): {}", f.name, rc, last));
    }
  }
  return report;
}

}  // namespace xbarsim::sweep
