// sweep.csv: one row per point - the point's folder name, its axis labels, then every field of
// report.json's `summary` flattened (`energy_per_inference_pJ.adc`), units in the names, then
// `schema_version` (the file's contract version, core/report.hpp).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xbarsim::sweep {

// `summary` of a report.json flattened into (column, value) pairs in document order: nested
// objects join keys with '.', a `by_component` level is dropped (`energy_per_inference_pJ.adc`),
// list items become `name[i]`. When the summary has no test_accuracy_pct and
// results.final.test_accuracy_pct exists, that is used (the fp32 experiment's final accuracy).
std::vector<std::pair<std::string, nlohmann::ordered_json>> flatten_summary(const nlohmann::ordered_json& report);

// Canonical column order for summary fields, whatever subset the points hold: the fields of
// the report.json contract in contract order, components in a fixed order (total first), then
// any other field alphabetically. Returns true when a should come before b.
bool column_before(const std::string& a, const std::string& b);

// A number as written in sweep.csv: integers as integers, reals in the shortest form that reads
// back to the same double.
std::string format_value(const nlohmann::ordered_json& v);

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  // Index of `column`, or nullopt.
  std::optional<std::size_t> column(const std::string& name) const;
  // The cell as a number; nullopt when the column is absent or the cell empty/non-numeric.
  std::optional<double> number(std::size_t row, const std::string& column) const;
  // The table as sweep.csv: `columns`, then the `schema_version` column.
  std::string csv() const;
};

// One point's row source: its name, its axis labels and its report.json (null when the point
// has not finished; such points get no row).
struct PointResult {
  std::string name;
  std::vector<std::string> labels;
  nlohmann::ordered_json report;
};

// Builds sweep.csv's table: columns `point`, the axis names, then the union of every finished
// point's summary fields in canonical order; rows in point order.
Table build_table(const std::vector<std::string>& axis_names, const std::vector<PointResult>& points);

// Reads a JSON file (ordered); throws UserError naming the file when it is not valid JSON.
nlohmann::ordered_json read_json(const std::filesystem::path& file);

// True when `column` is one part of `group`'s total: "group.X" with X a single name other than
// "total" (so energy_per_inference_pJ.adc is a part of energy_per_inference_pJ, while
// energy_per_inference_pJ.by_layer.layer0 is a part of energy_per_inference_pJ.by_layer).
bool is_part_column(const std::string& column, const std::string& group);

}  // namespace xbarsim::sweep
