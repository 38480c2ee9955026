#include "sweep/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/report.hpp"

namespace xbarsim::sweep {

std::vector<IdentityCheck> check_identities(const Table& t, const std::string& label_column) {
  std::vector<IdentityCheck> out;
  std::vector<std::string> fields;
  for (const auto& c : t.columns) {
    const auto pos = c.rfind(".total");
    if (pos != std::string::npos && pos + 6 == c.size()) fields.push_back(c.substr(0, pos));
  }
  const auto lc = t.column(label_column);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    for (const auto& f : fields) {
      const auto total = t.number(r, f + ".total");
      if (!total) continue;
      // Two partitions of the same total: by component (f.X) and by layer (f.by_layer.X).
      for (const std::string& group : {f, f + ".by_layer"}) {
        IdentityCheck chk;
        chk.row_label = lc ? t.rows[r][*lc] : t.rows[r][0];
        chk.row = r;
        chk.field = group;
        chk.total = *total;
        for (const auto& c : t.columns) {
          if (!is_part_column(c, group)) continue;
          if (const auto v = t.number(r, c)) {
            chk.sum += *v;
            ++chk.components;
          }
        }
        if (chk.components == 0) continue;
        chk.holds = std::abs(chk.sum - chk.total) <= 1e-9 * std::abs(chk.total);
        out.push_back(chk);
      }
    }
  }
  return out;
}

CompareLayout compare_layout(const nlohmann::ordered_json& manifest) {
  CompareLayout l;
  const auto& axes = manifest.at("axes");
  for (std::size_t a = 0; a < axes.size(); ++a) {
    l.axes.push_back(axes[a].at("name").get<std::string>());
    if (axes[a].at("keys") == nlohmann::ordered_json::array({"experiment.seed"})) l.seed = a;
  }
  if (!axes.empty() && axes[0].contains("flows")) {
    for (std::size_t i = 0; i < axes[0]["labels"].size(); ++i) {
      l.flows[axes[0]["labels"][i].get<std::string>()] = axes[0]["flows"][i].get<std::string>();
    }
  }
  if (manifest.contains("reference")) l.reference = manifest["reference"].at("label").get<std::string>();
  l.accuracy_margin_pct = manifest.value("accuracy_margin_pct", 1.5);
  l.target_below_reference_pct = manifest.value("accuracy_target_below_reference_pct", 1.0);
  return l;
}

std::optional<Stat> Comparison::stat(std::size_t configuration, const std::string& metric) const {
  const auto it = std::find(metrics.begin(), metrics.end(), metric);
  if (it == metrics.end()) return std::nullopt;
  return stats[configuration][static_cast<std::size_t>(it - metrics.begin())];
}

std::string Comparison::title(std::size_t configuration) const {
  const Configuration& c = configurations[configuration];
  std::string out = c.labels.front();
  for (std::size_t k = 1; k < keys.size(); ++k) {
    if (c.labels[k].empty()) continue;
    out += fmt::format(", {}={}", keys[k], c.labels[k]);
  }
  return out;
}

Comparison compare(const Table& t, const CompareLayout& layout) {
  Comparison c;
  c.layout = layout;
  std::vector<std::size_t> key_cols;
  for (std::size_t a = 0; a < layout.axes.size(); ++a) {
    if (layout.seed && *layout.seed == a) continue;
    c.keys.push_back(layout.axes[a]);
    key_cols.push_back(*t.column(layout.axes[a]));
  }
  // Numeric metrics: the columns after the axes whose cells are all numbers or empty.
  const std::size_t first_metric = 1 + layout.axes.size();
  for (std::size_t col = first_metric; col < t.columns.size(); ++col) {
    bool numeric = true;
    for (std::size_t r = 0; r < t.rows.size() && numeric; ++r) {
      numeric = t.rows[r][col].empty() || t.number(r, t.columns[col]).has_value();
    }
    if (numeric) c.metrics.push_back(t.columns[col]);
  }
  // Configurations in point order.
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<std::string> labels;
    for (const std::size_t k : key_cols) labels.push_back(t.rows[r][k]);
    auto it = std::find_if(c.configurations.begin(), c.configurations.end(),
                           [&](const Configuration& g) { return g.labels == labels; });
    if (it == c.configurations.end()) {
      Configuration g;
      g.labels = labels;
      g.reference = layout.reference && labels.front() == *layout.reference;
      c.configurations.push_back(g);
      it = c.configurations.end() - 1;
    }
    it->rows.push_back(r);
  }
  for (const auto& g : c.configurations) {
    std::vector<std::optional<Stat>> row;
    for (const auto& m : c.metrics) {
      std::vector<double> v;
      std::string text;
      for (const std::size_t r : g.rows) {
        if (const auto x = t.number(r, m)) {
          v.push_back(*x);
          text = t.rows[r][*t.column(m)];
        }
      }
      if (v.empty()) {
        row.emplace_back();
        continue;
      }
      Stat s;
      s.n = v.size();
      if (s.n == 1) s.text = text;
      for (const double x : v) s.mean += x;
      s.mean /= static_cast<double>(s.n);
      double ss = 0;
      for (const double x : v) ss += (x - s.mean) * (x - s.mean);
      // Equal values have no spread (their mean may differ from them in the last bit).
      const bool equal = std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
      s.std = s.n < 2 ? std::nan("") : equal ? 0.0 : std::sqrt(ss / static_cast<double>(s.n - 1));
      row.push_back(s);
    }
    c.stats.push_back(std::move(row));
  }
  for (std::size_t g = 0; g < c.configurations.size(); ++g) {
    if (c.configurations[g].reference) c.reference_accuracy = c.stat(g, "test_accuracy_pct");
  }
  c.checks = check_identities(t, "point");
  if (c.reference_accuracy) {
    for (std::size_t g = 0; g < c.configurations.size(); ++g) {
      if (c.configurations[g].reference) continue;
      const auto acc = c.stat(g, "test_accuracy_pct");
      if (!acc) continue;
      const double below = c.reference_accuracy->mean - acc->mean;
      if (below > layout.accuracy_margin_pct) {
        c.warnings.push_back(fmt::format(
            "{}: test accuracy {:.2f} % is {:.2f} points below the {} reference ({:.2f} %), more than the margin of "
            "{:g} points: its costs are not those of an equally accurate design",
            c.title(g), acc->mean, below, *layout.reference, c.reference_accuracy->mean, layout.accuracy_margin_pct));
      }
    }
  }
  return c;
}

namespace {

std::string stat_cell(const std::optional<Stat>& s) {
  if (!s) return "-";
  if (s->n < 2) return fmt::format("{:.6g}", s->mean);
  return fmt::format("{:.6g} ± {:.2g}", s->mean, s->std);
}

// "holds (8 components)" when every point of the configuration holds, else its first violation.
std::string identity_cell(const Comparison& c, std::size_t g, const std::string& field) {
  std::size_t components = 0;
  bool any = false;
  for (const auto& chk : c.checks) {
    if (chk.field != field) continue;
    const auto& rows = c.configurations[g].rows;
    const bool mine = std::find(rows.begin(), rows.end(), chk.row) != rows.end();
    if (!mine) continue;
    if (!chk.holds) return fmt::format("VIOLATED: sum {:.12g} != total {:.12g}", chk.sum, chk.total);
    components = chk.components;
    any = true;
  }
  return any ? fmt::format("holds ({} components)", components) : "-";
}

}  // namespace

std::string compare_markdown(const Comparison& c, const std::string& title) {
  const std::size_t n = c.configurations.size();
  std::string out = fmt::format("# {}\n\n| metric |", title);
  for (std::size_t g = 0; g < n; ++g) out += fmt::format(" {} |", c.title(g));
  out += "\n|---|";
  for (std::size_t g = 0; g < n; ++g) out += "---:|";
  out += "\n";
  if (!c.layout.flows.empty()) {
    out += "| flow |";
    for (std::size_t g = 0; g < n; ++g) {
      const auto it = c.layout.flows.find(c.technology(g));
      const std::string f = c.configurations[g].reference                      ? "reference"
                            : it == c.layout.flows.end() || it->second.empty() ? "-"
                                                                               : it->second;
      out += fmt::format(" {} |", f);
    }
    out += "\n";
  }
  if (c.layout.seed) {
    out += "| seeds (mean ± std) |";
    for (const auto& g : c.configurations) out += fmt::format(" {} |", g.rows.size());
    out += "\n";
  }
  if (c.reference_accuracy) {
    out += fmt::format("| test accuracy − {} (points) |", *c.layout.reference);
    for (std::size_t g = 0; g < n; ++g) {
      const auto a = c.stat(g, "test_accuracy_pct");
      out += a ? fmt::format(" {:+.2f} |", a->mean - c.reference_accuracy->mean) : " - |";
    }
    out += "\n";
  }
  for (const auto& m : c.metrics) {
    out += fmt::format("| {} |", m);
    for (std::size_t g = 0; g < n; ++g) out += fmt::format(" {} |", stat_cell(c.stat(g, m)));
    out += "\n";
  }
  std::vector<std::string> fields;
  for (const auto& chk : c.checks) {
    if (std::find(fields.begin(), fields.end(), chk.field) == fields.end()) fields.push_back(chk.field);
  }
  for (const auto& f : fields) {
    out += fmt::format("| identity: sum of {} components = total |", f);
    for (std::size_t g = 0; g < n; ++g) out += fmt::format(" {} |", identity_cell(c, g, f));
    out += "\n";
  }
  if (!c.warnings.empty()) {
    out += "\n## Warnings\n\n";
    for (const auto& w : c.warnings) out += fmt::format("- {}\n", w);
  }
  return out;
}

namespace {

std::string number_text(double v) { return format_value(nlohmann::ordered_json(v)); }

}  // namespace

std::string compare_csv(const Comparison& c) {
  const bool seeds = c.layout.seed.has_value();
  std::string out;
  for (const auto& k : c.keys) {
    if (!out.empty()) out += ',';
    out += csv_field(k);
  }
  if (seeds) out += ",seeds";
  for (const auto& m : c.metrics) {
    out += ',';  // (not "," + field: GCC 12 -O3 warns -Wrestrict on that, a known false positive)
    if (seeds) {
      out += csv_field(m + ".mean");
      out += ',';
      out += csv_field(m + ".std");
    } else {
      out += csv_field(m);
    }
  }
  out += ',';
  out += kSchemaVersionColumn;
  out += '\n';
  for (std::size_t g = 0; g < c.configurations.size(); ++g) {
    const Configuration& cfg = c.configurations[g];
    for (std::size_t k = 0; k < cfg.labels.size(); ++k) {
      if (k != 0) out += ',';
      out += csv_field(cfg.labels[k]);
    }
    if (seeds) {
      out += ',';
      out += std::to_string(cfg.rows.size());
    }
    for (std::size_t m = 0; m < c.metrics.size(); ++m) {
      const auto& s = c.stats[g][m];
      out += ',';
      if (s) out += s->n == 1 ? s->text : number_text(s->mean);
      if (seeds) {
        out += ',';
        if (s && s->n > 1) out += number_text(s->std);
      }
    }
    out += ',';
    out += std::to_string(kCompareCsvSchemaVersion);
    out += '\n';
  }
  return out;
}

namespace {

struct IsoChoice {
  std::string technology;
  std::optional<std::size_t> chosen;  // reached the target
  std::optional<std::size_t> best;    // the most accurate configuration otherwise
};

std::vector<IsoChoice> iso_choices(const Comparison& c, double target) {
  std::vector<IsoChoice> out;
  for (std::size_t g = 0; g < c.configurations.size(); ++g) {
    if (c.configurations[g].reference) continue;
    const std::string tech = c.technology(g);
    auto it = std::find_if(out.begin(), out.end(), [&](const IsoChoice& x) { return x.technology == tech; });
    if (it == out.end()) {
      out.push_back({tech, std::nullopt, std::nullopt});
      it = out.end() - 1;
    }
    const auto acc = c.stat(g, "test_accuracy_pct");
    const auto energy = c.stat(g, "energy_per_inference_pJ.total");
    if (!acc) continue;
    if (!it->best || acc->mean > c.stat(*it->best, "test_accuracy_pct")->mean) it->best = g;
    if (acc->mean < target) continue;
    // The cheapest that reaches the target; one without an energy (no hardware) only when none has.
    const auto chosen_energy =
        it->chosen ? c.stat(*it->chosen, "energy_per_inference_pJ.total") : std::optional<Stat>();
    if (!it->chosen || (energy && (!chosen_energy || energy->mean < chosen_energy->mean))) it->chosen = g;
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>>& iso_metrics() {
  static const std::vector<std::pair<std::string, std::string>> m = {
      {"test_accuracy_pct", "test accuracy (%)"},
      {"energy_per_inference_pJ.total", "energy / inference (pJ)"},
      {"latency_per_inference_ns", "latency / inference (ns)"},
      {"area_um2.total", "area (um^2)"},
      {"tops_per_w", "TOPS/W"},
      {"energy_per_training_image_pJ.total", "energy / training image (pJ)"}};
  return m;
}

}  // namespace

std::string iso_accuracy_markdown(const Comparison& c) {
  if (!c.reference_accuracy) return "";
  const double target = c.reference_accuracy->mean - c.layout.target_below_reference_pct;
  std::string out = fmt::format(
      "# Iso-accuracy: the cheapest configuration of each technology at test accuracy >= {:.2f} %\n\n"
      "Target: the {} reference's {:.2f} % minus {:g} points; among the configurations that reach it, the one with the "
      "lowest mean energy per inference{}.\n\n| technology | flow | configuration |",
      target, *c.layout.reference, c.reference_accuracy->mean, c.layout.target_below_reference_pct,
      c.layout.seed ? " (means over seeds, ± one standard deviation)" : "");
  for (const auto& [m, label] : iso_metrics()) out += fmt::format(" {} |", label);
  out += "\n|---|---|---|";
  for (std::size_t i = 0; i < iso_metrics().size(); ++i) out += "---:|";
  out += "\n";
  for (const auto& ch : iso_choices(c, target)) {
    const auto it = c.layout.flows.find(ch.technology);
    const std::string flow = it == c.layout.flows.end() || it->second.empty() ? "-" : it->second;
    if (ch.chosen) {
      std::string cfg;
      for (std::size_t k = 1; k < c.keys.size(); ++k) {
        cfg += fmt::format("{}{}={}", cfg.empty() ? "" : ", ", c.keys[k], c.configurations[*ch.chosen].labels[k]);
      }
      out += fmt::format("| {} | {} | {} |", ch.technology, flow, cfg.empty() ? "-" : cfg);
      for (const auto& [m, label] : iso_metrics()) out += fmt::format(" {} |", stat_cell(c.stat(*ch.chosen, m)));
    } else if (ch.best) {
      out += fmt::format("| {} | {} | **target not reached**: best {:.2f} % ({}) |", ch.technology, flow,
                         c.stat(*ch.best, "test_accuracy_pct")->mean, c.title(*ch.best));
      for (std::size_t i = 0; i < iso_metrics().size(); ++i) out += " - |";
    } else {
      out += fmt::format("| {} | {} | **no accuracy reported** |", ch.technology, flow);
      for (std::size_t i = 0; i < iso_metrics().size(); ++i) out += " - |";
    }
    out += "\n";
  }
  return out;
}

std::string iso_accuracy_csv(const Comparison& c) {
  if (!c.reference_accuracy) return "";
  const double target = c.reference_accuracy->mean - c.layout.target_below_reference_pct;
  std::string out = "technology,reached,target_accuracy_pct";
  for (std::size_t k = 1; k < c.keys.size(); ++k) {
    out += ',';
    out += csv_field(c.keys[k]);
  }
  out += ",best_accuracy_pct";
  for (const auto& [m, label] : iso_metrics()) {
    out += ',';
    out += csv_field(m + ".mean");
  }
  out += ',';
  out += kSchemaVersionColumn;
  out += '\n';
  for (const auto& ch : iso_choices(c, target)) {
    out += csv_field(ch.technology);
    out += ch.chosen ? ",1," : ",0,";
    out += number_text(target);
    for (std::size_t k = 1; k < c.keys.size(); ++k) {
      out += ',';
      if (ch.chosen) out += csv_field(c.configurations[*ch.chosen].labels[k]);
    }
    out += ',';
    if (ch.best) out += number_text(c.stat(*ch.best, "test_accuracy_pct")->mean);
    for (const auto& [m, label] : iso_metrics()) {
      out += ',';
      if (!ch.chosen) continue;
      if (const auto s = c.stat(*ch.chosen, m)) out += number_text(s->mean);
    }
    out += ',';
    out += std::to_string(kIsoAccuracyCsvSchemaVersion);
    out += '\n';
  }
  return out;
}

}  // namespace xbarsim::sweep
