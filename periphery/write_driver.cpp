// Write driver model (docs/periphery/write_driver.md):
//   E_line  = C_line V_pulse^2 per driven line per pulse (charge C V from the supply at V;
//             NeuroSim V1.3 write energy, Chen et al., IEEE TCAD 37(12) 2018)
//   E_pulse = E_device + E_line (one cell on one driven line)
//   t_step  = pulse width + settle time
//   area    = N_T x A_min F^2 (default an inverter, N_T = 2; minimum footprint as NeuroSim's
//             gate-area rules; xbarsim estimate)
#include "periphery/write_driver.hpp"

#include <fmt/format.h>

#include "core/cards.hpp"

namespace xbarsim::periphery {

using units::Dimension;

namespace {
// YAML value when present, else the context's value when known, else a missing-key error.
double from_yaml_or_context(const Params& p, std::string_view key, Dimension dim, double ctx, double min,
                            std::string_view what) {
  if (p.has(key) || !(ctx > 0.0)) {
    if (!p.has(key)) p.fail(key, what);
    return p.quantity(key, dim, min);
  }
  return ctx;
}
}  // namespace

WriteDriver::WriteDriver(const Params& p, const TechNode& tech, const WriteDriverContext& ctx) {
  pulse_.amplitude = from_yaml_or_context(p, "pulse_amplitude", Dimension::kVoltage, ctx.pulse_amplitude, 1e-3,
                                          "a voltage > 0 (not supplied by the device model)");
  pulse_.width = from_yaml_or_context(p, "pulse_width", Dimension::kTime, ctx.pulse_width, 1e-15,
                                      "a time > 0 (not supplied by the device model)");
  const double c_line = from_yaml_or_context(p, "line_capacitance", Dimension::kCapacitance, ctx.line_capacitance, 0.0,
                                             "a capacitance (of one driven line; not supplied by the array)");
  parallel_rows_ = static_cast<int>(p.integer_or("parallel_rows", 1, 1, 1 << 20));
  parallel_columns_ = static_cast<int>(p.integer_or("parallel_columns", 1, 1, 1 << 20));

  const double v = pulse_.amplitude;
  line_energy_ = Figure{c_line * v * v, fmt::format("C_line V^2: C_line={:.6g} F, V={:.6g} V", c_line, v)};

  Figure device{0.0, "not supplied (the device model charges its own programming energy)"};
  if (ctx.device_energy_per_pulse >= 0.0) {
    device = Figure{ctx.device_energy_per_pulse,
                    ctx.device_source.empty() ? std::string("device model") : ctx.device_source};
  }
  device_energy_ = override_or(p, "device_energy_per_pulse", Dimension::kEnergy, device);

  const double settle = p.quantity_or("settle_time", Dimension::kTime, "0 s", 0.0, 1.0);
  latency_ =
      Figure{pulse_.width + settle, fmt::format("pulse width {:.6g} s + settle time {:.6g} s", pulse_.width, settle)};

  const auto n_t = p.integer_or("driver_transistors", 2, 1, 100000);
  area_ = override_or(p, "area", Dimension::kArea,
                      Figure{static_cast<double>(n_t) * tech.min_transistor_area_F2 * tech.f2(),
                             fmt::format("{} min transistors x {} F^2 x F^2, F={:.6g} m (xbarsim "
                                         "estimate, NeuroSim footprint)",
                                         n_t, tech.min_transistor_area_F2, tech.feature_size)});
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::WriteDriverRegistry, "standard", xbarsim::periphery::WriteDriver)

XBARSIM_REGISTER_CARD("write_driver", [](const xbarsim::Params& p) {
  const auto tech = xbarsim::periphery::TechNode::for_card(p);
  (void)xbarsim::periphery::WriteDriverRegistry::instance().create(p, tech, xbarsim::periphery::WriteDriverContext{});
})
