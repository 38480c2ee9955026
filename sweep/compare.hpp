// The technology comparison: each technology (its own flow, or one base experiment with several
// device cards) on identical peripherals, optionally over extra axes (array size, ADC bits) and
// seeds, against an fp32 reference. Points that differ only in the seed form one configuration,
// reported as mean +- std; every configuration's accuracy is set against the reference's (a
// warning below a margin), the cheapest configuration of each technology that reaches the
// iso-accuracy target is picked, and each point's energy identity is checked (the components of
// every `*.total` add up to it).
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sweep/table.hpp"

namespace xbarsim::sweep {

// One identity check: for `row_label`, the components of `field` (e.g. energy_per_inference_pJ)
// against its total.
struct IdentityCheck {
  std::string row_label;
  std::size_t row = 0;  // the row of the table
  std::string field;
  std::size_t components = 0;
  double total = 0;
  double sum = 0;
  bool holds = true;  // |sum - total| <= 1e-9 |total|
};

// Checks every field of `table` that has a `.total` column and component columns, for each row
// (labelled by column `label_column`).
std::vector<IdentityCheck> check_identities(const Table& table, const std::string& label_column);

// What a comparison's sweep.json says about its table.
struct CompareLayout {
  std::vector<std::string> axes;             // sweep.csv's axis columns; the technology first
  std::optional<std::size_t> seed;           // the seed axis (its points are averaged)
  std::optional<std::string> reference;      // the reference's label in the technology column
  std::map<std::string, std::string> flows;  // technology -> flow ("" when not stated)
  double accuracy_margin_pct = 1.5;
  double target_below_reference_pct = 1.0;
};

// Reads the layout from a compare's manifest (sweep.json).
CompareLayout compare_layout(const nlohmann::ordered_json& manifest);

// Mean and sample standard deviation (n - 1) of one metric over a configuration's seeds; std is
// NaN with one seed.
struct Stat {
  double mean = 0;
  double std = 0;
  std::size_t n = 0;
  std::string text;  // with one value: its cell as sweep.csv holds it (every digit, same form)
};

// The points of one technology at one value of every other non-seed axis.
struct Configuration {
  std::vector<std::string> labels;  // one per non-seed axis, the technology first
  std::vector<std::size_t> rows;    // its rows of the table (one per seed)
  bool reference = false;
};

struct Comparison {
  CompareLayout layout;
  std::vector<std::string> keys;                        // the non-seed axis columns, the technology first
  std::vector<std::string> metrics;                     // the numeric metric columns, in table order
  std::vector<Configuration> configurations;            // in point order
  std::vector<std::vector<std::optional<Stat>>> stats;  // [configuration][metric]
  std::optional<Stat> reference_accuracy;               // test_accuracy_pct of the reference
  std::vector<IdentityCheck> checks;                    // per point (labelled by its folder name)
  std::vector<std::string> warnings;                    // configurations below the accuracy margin

  std::optional<Stat> stat(std::size_t configuration, const std::string& metric) const;
  std::string technology(std::size_t configuration) const { return configurations[configuration].labels.front(); }
  // "DW 5-state", or "DW 5-state, rows=64, bits=4" with extra axes.
  std::string title(std::size_t configuration) const;
};

// Groups `table` (sweep.csv of a compare) into configurations and computes their statistics,
// the identity checks and the accuracy warnings.
Comparison compare(const Table& table, const CompareLayout& layout);

// The side-by-side table for reading: one row per metric, one column per configuration (the
// reference first), flow and seeds and the accuracy against the reference on top, mean +- std
// over seeds, 6 significant digits; then one row per identity checked and the warnings.
std::string compare_markdown(const Comparison& c, const std::string& title);

// compare.csv, tidy for analysis: one row per configuration (technology and the other axes
// first), one column per numeric metric named with its unit as in report.json's summary
// (test_accuracy_pct, energy_per_inference_pJ.adc, ...), every digit; with seeds a column
// `seeds` and two per metric, `M.mean` and `M.std` (empty with one seed). An empty cell where a
// configuration lacks a metric; the last column is `schema_version`. The identity checks are in
// compare.md.
std::string compare_csv(const Comparison& c);

// The iso-accuracy view (needs the reference): for each technology, the configuration with the
// lowest mean energy per inference among those whose mean accuracy reaches the reference's mean
// minus target_below_reference_pct; a technology that reaches it nowhere is reported with its
// best accuracy, never with a bare energy. Markdown and CSV (`reached` 1/0, then the
// configuration's axes and its mean accuracy, energy, latency, area, TOPS/W; `schema_version`
// last).
std::string iso_accuracy_markdown(const Comparison& c);
std::string iso_accuracy_csv(const Comparison& c);

}  // namespace xbarsim::sweep
