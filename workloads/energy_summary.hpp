// Energy breakdowns of one phase of the ledger ("inference", "programming", "forward" ...):
// by component kind (the last element of a row's path: adc, dac, array, ...) and by layer (the
// element after the phase: layer0, layer1, or "shared"). Every breakdown sums to the phase
// total, which is itself the sum of the phase's count x energy-per-action rows.
#pragma once

#include <cstdint>
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

// The programming energy of one phase ("programming": the ex-situ write; "update": in-situ
// training) split by what spends it, in pJ over the whole phase:
//   device_pulses             the devices' pulses (cells/program_pulse*),
//   verify_reads_device       the devices' read energy of the verify reads (cells/verify_read),
//   verify_reads_periphery    the DAC drives, ADC conversions and array read current of the
//                             phase's reads of programmed cells (write-verify, rules' read-backs),
//   write_driver_line_charge  the write drivers' line charging (write_driver/line_charge),
// with "definition" saying so.
struct ProgrammingSplit {
  std::uint64_t pulses = 0;        // count of the cells/program_pulse* rows
  std::uint64_t verify_reads = 0;  // count of the cells/verify_read rows
  double device_pulses_pJ = 0.0;
  double verify_reads_device_pJ = 0.0;
  double verify_reads_periphery_pJ = 0.0;
  double write_driver_pJ = 0.0;
};
ProgrammingSplit programming_split(const Ledger& ledger, std::string_view phase);
nlohmann::json programming_split_json(const ProgrammingSplit& s, std::string_view phase);

}  // namespace xbarsim::workloads
