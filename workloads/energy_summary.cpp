#include "workloads/energy_summary.hpp"

namespace xbarsim::workloads {

EnergyBreakdown breakdown(const Ledger& ledger, std::string_view phase) {
  EnergyBreakdown b;
  for (const auto& row : ledger.energy_rows()) {
    const std::string& path = row.action->component;
    if (!component_under(path, phase)) continue;
    const double pJ = row.energy_J() * 1e12;
    const std::string_view rest = std::string_view(path).substr(std::min(path.size(), phase.size() + 1));
    const std::string kind(path.substr(path.rfind('/') + 1));
    const std::string first(rest.substr(0, rest.find('/')));
    const std::string layer = first.rfind("layer", 0) == 0 ? first : "shared";
    b.total_pJ += pJ;
    b.by_component_pJ[kind] += pJ;
    b.by_layer_pJ[layer] += pJ;
  }
  return b;
}

nlohmann::json breakdown_json(const EnergyBreakdown& b, double divisor) {
  nlohmann::json j;
  j["total"] = b.total_pJ / divisor;
  for (const auto& [k, v] : b.by_component_pJ) j["by_component"][k] = v / divisor;
  for (const auto& [k, v] : b.by_layer_pJ) j["by_layer"][k] = v / divisor;
  return j;
}

}  // namespace xbarsim::workloads
