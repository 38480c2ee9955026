#include "workloads/energy_summary.hpp"

#include <fmt/format.h>

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

ProgrammingSplit programming_split(const Ledger& ledger, std::string_view phase) {
  ProgrammingSplit s;
  for (const auto& row : ledger.energy_rows()) {
    const std::string& path = row.action->component;
    if (!component_under(path, phase)) continue;
    const double pJ = row.energy_J() * 1e12;
    const std::string_view part = std::string_view(path).substr(path.rfind('/') + 1);
    const std::string& action = row.action->action;
    if (part == "cells") {
      if (action.starts_with("program_pulse")) {
        s.pulses += row.count;
        s.device_pulses_pJ += pJ;
      } else if (action == "verify_read") {
        s.verify_reads += row.count;
        s.verify_reads_device_pJ += pJ;
      }
    } else if (part == "dac" || part == "adc" || part == "array") {
      s.verify_reads_periphery_pJ += pJ;
    } else if (part == "write_driver") {
      s.write_driver_pJ += pJ;
    }
  }
  return s;
}

nlohmann::json programming_split_json(const ProgrammingSplit& s, std::string_view phase) {
  return {{"device_pulses", s.device_pulses_pJ},
          {"verify_reads_device", s.verify_reads_device_pJ},
          {"verify_reads_periphery", s.verify_reads_periphery_pJ},
          {"write_driver_line_charge", s.write_driver_pJ},
          {"definition",
           fmt::format("{} phase, whole run, pJ: device_pulses = cells/program_pulse*; verify_reads_device = "
                       "cells/verify_read; verify_reads_periphery = the DAC drives, ADC conversions and array read "
                       "current (dac, adc, array) of the phase's reads of programmed cells; write_driver_line_charge "
                       "= write_driver/line_charge",
                       phase)}};
}

}  // namespace xbarsim::workloads
