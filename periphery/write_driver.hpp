// Write driver: applies programming pulses (amplitude, width) to the cells of up to
// `parallel_rows` rows per programming step; its cost is the device's energy per pulse
// (supplied by the device model) plus charging the driven line, C_line V^2.
// Sources: C V^2 line charging (e.g. NeuroSim V1.3 write-energy model, Chen et al. IEEE TCAD
// 2018); device part from the device model; see docs/periphery/write_driver.md.
#pragma once

#include <string>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "periphery/cost.hpp"
#include "periphery/tech_node.hpp"

namespace xbarsim::periphery {

// What the array and the device model know. Values <= 0 (energy < 0) mean "unknown"; a value
// given in the write driver's YAML section always wins.
struct WriteDriverContext {
  double pulse_amplitude = 0.0;           // V
  double pulse_width = 0.0;               // s
  double line_capacitance = 0.0;          // F of one driven row or column line
  double device_energy_per_pulse = -1.0;  // J dissipated in one cell by one pulse
  std::string device_source;              // where the device figure comes from
};

// A programming pulse.
struct Pulse {
  double amplitude = 0.0;  // V
  double width = 0.0;      // s
};

// A row/column write driver.
class WriteDriver {
 public:
  WriteDriver(const Params& p, const TechNode& tech, const WriteDriverContext& ctx);
  virtual ~WriteDriver() = default;
  WriteDriver(const WriteDriver&) = delete;
  WriteDriver& operator=(const WriteDriver&) = delete;

  // --- functional face ---------------------------------------------------------------
  const Pulse& pulse() const { return pulse_; }
  int parallel_rows() const { return parallel_rows_; }
  // Column drivers per row: the columns share them through a mux (arch::WriteSchedule).
  int parallel_columns() const { return parallel_columns_; }
  // Programming steps needed for `rows` rows: ceil(rows / parallel_rows). Precondition rows >= 0.
  long long steps(long long rows) const { return (rows + parallel_rows_ - 1) / parallel_rows_; }

  // --- cost face ---------------------------------------------------------------------
  // J to charge one driven line (row or column) for one pulse: C_line V^2.
  const Figure& line_energy() const { return line_energy_; }
  // J dissipated in one cell by one pulse (from the device model, or a config override).
  const Figure& device_energy() const { return device_energy_; }
  // J of one pulse on one cell through one driven line: device + line. (A tile charges one line
  // energy per pulse, even when cells of one step share the pulsed line.)
  double energy_per_pulse() const { return device_energy_.value + line_energy_.value; }
  const Figure& latency_per_step() const { return latency_; }  // s: pulse width + settle time
  const Figure& area() const { return area_; }                 // m^2 per driver

 private:
  Pulse pulse_;
  int parallel_rows_ = 1;
  int parallel_columns_ = 1;
  Figure line_energy_;
  Figure device_energy_;
  Figure latency_;
  Figure area_;
};

// Implementation "standard"; constructor (Params, TechNode, WriteDriverContext).
using WriteDriverRegistry = Registry<WriteDriver, const TechNode&, const WriteDriverContext&>;

}  // namespace xbarsim::periphery
