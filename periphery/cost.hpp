// Cost figures of the peripheral parts: one SI value with the formula or paper it comes from,
// and the one rule by which a value written in YAML replaces the computed one.
#pragma once

#include <string>
#include <string_view>

#include "core/params.hpp"
#include "core/units.hpp"

namespace xbarsim::periphery {

// One cost figure (energy per action in J, area in m^2, latency in s, power in W) and its
// source: "formula (paper)" when computed, "config override (<file:line> <key.path>)" when read.
struct Figure {
  double value = 0.0;
  std::string source;
};

// When `key` is present in `p`, reads it as a non-negative quantity of `dim` (a negative value
// is a ConfigError) and returns it with a "config override" source; otherwise returns
// `computed` unchanged. Nothing is recorded when the key is absent, so the resolved
// configuration keeps saying that the figure was computed.
Figure override_or(const Params& p, std::string_view key, units::Dimension dim, Figure computed);

// Scale factor of a switched-capacitance energy from node (F0, V0) to node (F, V):
// E ~ C V^2 with C ~ F, so E / E0 = (F / F0) (V / V0)^2 (classic constant-field scaling, as
// Accelergy's and NeuroSim's technology scaling of digital blocks).
double energy_scale(double feature_size, double vdd, double ref_feature_size, double ref_vdd);
// Area scale factor (F / F0)^2.
double area_scale(double feature_size, double ref_feature_size);

// Latency in whole clock cycles (rounded up, with a 1e-9 relative tolerance so that 5 ns at
// 1 GHz is 5 cycles, not 6).
long long cycles_of(double seconds, double clock_hz);

}  // namespace xbarsim::periphery
