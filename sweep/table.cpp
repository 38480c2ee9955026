#include "sweep/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/report.hpp"

namespace xbarsim::sweep {
namespace {

void flatten(const nlohmann::ordered_json& v, const std::string& prefix,
             std::vector<std::pair<std::string, nlohmann::ordered_json>>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      if (k == "by_component") {
        flatten(child, prefix, out);
      } else {
        flatten(child, prefix.empty() ? k : prefix + "." + k, out);
      }
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) flatten(v[i], fmt::format("{}[{}]", prefix, i), out);
  } else {
    out.emplace_back(prefix, v);
  }
}

// Rank of a top-level summary field in the report.json contract; unknown fields after them.
std::size_t field_rank(const std::string& field) {
  static const std::vector<std::string> order = {"test_accuracy_pct",
                                                 "latency_per_inference_cycles",
                                                 "latency_per_inference_ns",
                                                 "throughput_inferences_per_s",
                                                 "energy_per_inference_pJ",
                                                 "energy_per_training_image_pJ",
                                                 "programming_energy_pJ",
                                                 "area_um2",
                                                 "tops_per_w",
                                                 "tops_per_mm2"};
  const auto it = std::find(order.begin(), order.end(), field);
  return it == order.end() ? order.size() : static_cast<std::size_t>(it - order.begin());
}

std::size_t component_rank(const std::string& c) {
  static const std::vector<std::string> order = {"total",  "array",   "adc",     "dac",    "shift_add",
                                                 "buffer", "digital", "control", "leakage"};
  const auto it = std::find(order.begin(), order.end(), c);
  return it == order.end() ? order.size() : static_cast<std::size_t>(it - order.begin());
}

std::pair<std::string, std::string> split_first(const std::string& s) {
  const auto dot = s.find('.');
  if (dot == std::string::npos) return {s, ""};
  return {s.substr(0, dot), s.substr(dot + 1)};
}

}  // namespace

bool is_part_column(const std::string& column, const std::string& group) {
  if (column.size() <= group.size() + 1 || column.compare(0, group.size(), group) != 0 || column[group.size()] != '.') {
    return false;
  }
  const std::string rest = column.substr(group.size() + 1);
  return rest != "total" && rest.find('.') == std::string::npos;
}

std::vector<std::pair<std::string, nlohmann::ordered_json>> flatten_summary(const nlohmann::ordered_json& report) {
  std::vector<std::pair<std::string, nlohmann::ordered_json>> out;
  if (report.contains("summary") && report["summary"].is_object()) flatten(report["summary"], "", out);
  const bool has_accuracy =
      std::any_of(out.begin(), out.end(), [](const auto& kv) { return kv.first == "test_accuracy_pct"; });
  if (!has_accuracy && report.contains("results") && report["results"].is_object()) {
    const auto& r = report["results"];
    if (r.contains("final") && r["final"].is_object() && r["final"].contains("test_accuracy_pct")) {
      out.insert(out.begin(), {"test_accuracy_pct", r["final"]["test_accuracy_pct"]});
    }
  }
  return out;
}

bool column_before(const std::string& a, const std::string& b) {
  const auto [fa, ra] = split_first(a);
  const auto [fb, rb] = split_first(b);
  const auto rank_a = field_rank(fa);
  const auto rank_b = field_rank(fb);
  if (rank_a != rank_b) return rank_a < rank_b;
  if (fa != fb) return fa < fb;
  // Within one field: the field itself, then components (total first, known order, then others).
  if (ra.empty() != rb.empty()) return ra.empty();
  const auto ca = component_rank(ra);
  const auto cb = component_rank(rb);
  if (ca != cb) return ca < cb;
  return ra < rb;
}

std::string format_value(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer())
    return v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>()) : std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::optional<std::size_t> Table::column(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) return std::nullopt;
  return static_cast<std::size_t>(it - columns.begin());
}

std::optional<double> Table::number(std::size_t row, const std::string& name) const {
  const auto c = column(name);
  if (!c || row >= rows.size()) return std::nullopt;
  const std::string& s = rows[row][*c];
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Table::csv() const {
  std::string out;
  auto line = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i != 0) out += ',';
      out += csv_field(cells[i]);
    }
    out += '\n';
  };
  // The file's contract version as the last column (not a column of the table: compare and the
  // figures read the table itself).
  std::vector<std::string> header = columns;
  header.emplace_back(kSchemaVersionColumn);
  line(header);
  for (const auto& r : rows) {
    std::vector<std::string> cells = r;
    cells.push_back(std::to_string(kSweepCsvSchemaVersion));
    line(cells);
  }
  return out;
}

Table build_table(const std::vector<std::string>& axis_names, const std::vector<PointResult>& points) {
  std::vector<std::map<std::string, std::string>> values;
  std::set<std::string> fields;
  for (const auto& p : points) {
    if (p.report.is_null()) continue;
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : flatten_summary(p.report)) {
      m[k] = format_value(v);
      fields.insert(k);
    }
    values.push_back(std::move(m));
  }
  std::vector<std::string> metric(fields.begin(), fields.end());
  std::stable_sort(metric.begin(), metric.end(), column_before);

  Table t;
  t.columns.push_back("point");
  t.columns.insert(t.columns.end(), axis_names.begin(), axis_names.end());
  t.columns.insert(t.columns.end(), metric.begin(), metric.end());
  std::size_t i = 0;
  for (const auto& p : points) {
    if (p.report.is_null()) continue;
    std::vector<std::string> row{p.name};
    row.insert(row.end(), p.labels.begin(), p.labels.end());
    for (const auto& f : metric) {
      const auto it = values[i].find(f);
      row.push_back(it == values[i].end() ? "" : it->second);
    }
    t.rows.push_back(std::move(row));
    ++i;
  }
  return t;
}

nlohmann::ordered_json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw UserError(fmt::format("{}: cannot read", file.string()));
  std::stringstream s;
  s << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(s.str());
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
}

}  // namespace xbarsim::sweep
