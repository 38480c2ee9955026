// The technology comparison: one base experiment, several device cards on identical peripherals,
// side by side in Markdown and CSV, with each technology's energy identity checked (the
// components of every `*.total` add up to it).
#pragma once

#include <string>
#include <vector>

#include "sweep/table.hpp"

namespace xbarsim::sweep {

// One identity check: for `row_label`, the components of `field` (e.g. energy_per_inference_pJ)
// against its total.
struct IdentityCheck {
  std::string row_label;
  std::string field;
  std::size_t components = 0;
  double total = 0;
  double sum = 0;
  bool holds = true;  // |sum - total| <= 1e-9 |total|
};

// Checks every field of `table` that has a `.total` column and component columns, for each row
// (labelled by column `label_column`).
std::vector<IdentityCheck> check_identities(const Table& table, const std::string& label_column);

// The side-by-side table for reading: one row per metric, one column per technology
// (`label_column`'s values), then one row per identity checked; 6 significant digits.
std::string compare_markdown(const Table& table, const std::string& label_column,
                             const std::vector<IdentityCheck>& checks, const std::string& title);
// compare.csv, tidy for analysis: one row per technology (`label_column` first), one column per
// numeric metric, named with its unit as in report.json's summary (test_accuracy_pct,
// energy_per_inference_pJ.adc, ...), every digit; a metric that holds text is left out, and a
// technology that lacks a metric has an empty cell; the last column is `schema_version`. The
// identity checks are in compare.md.
std::string compare_csv(const Table& table, const std::string& label_column);

}  // namespace xbarsim::sweep
