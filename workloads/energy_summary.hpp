// Energy breakdowns of one phase of the ledger ("inference", "programming", "forward" ...):
// by component kind (the last element of a row's path: adc, dac, array, ...) and by layer (the
// element after the phase: layer0, layer1, or "shared"). Every breakdown sums to the phase
// total, which is itself the sum of the phase's count x energy-per-action rows.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/ledger.hpp"

namespace xbarsim::workloads {

struct EnergyBreakdown {
  double total_pJ = 0.0;
  std::map<std::string, double> by_component_pJ;
  std::map<std::string, double> by_layer_pJ;
};

EnergyBreakdown breakdown(const Ledger& ledger, std::string_view phase);

// {"total": t / divisor, "by_component": {...}, "by_layer": {...}} (pJ per unit of divisor).
nlohmann::json breakdown_json(const EnergyBreakdown& b, double divisor);

}  // namespace xbarsim::workloads
