// Flash ADC cost model (docs/periphery/adc.md):
//   energy  walden:      E = FoM 2^bits x (F/F_ref)(Vdd/Vdd_ref)^2 (Walden, IEEE JSAC 1999; the
//                        FoM's node `fom_node`, default 32 nm, ISAAC's)
//           comparators: E = (2^bits - 1) E_comparator
//   area    (2^bits - 1) comparators x N_T minimum transistors x A_min F^2 (N_T = 10: StrongARM
//           latch with input pair and reset switches, Razavi 2015; xbarsim estimate)
//   latency one clock cycle, or the card's sample_rate / cycles_per_conversion.
#include "periphery/flash_adc.hpp"

#include <fmt/format.h>

#include <cmath>

namespace xbarsim::periphery {

using units::Dimension;

FlashAdc::FlashAdc(const Params& p, const TechNode& tech, const AdcContext& ctx) : Adc(p, ctx, "flash", false) {
  const int b = bits();
  const double comparators = std::ldexp(1.0, b) - 1.0;
  energy_model_ = p.choice_or("energy_model", {"walden", "comparators"}, "walden");
  Figure energy;
  if (energy_model_ == "walden") {
    energy = walden_energy(p, tech, b);
  } else {
    const double e_cmp = p.quantity("comparator_energy", Dimension::kEnergy, 0.0);
    energy.value = comparators * e_cmp;
    energy.source = fmt::format("flash: (2^bits - 1) comparators x {:.6g} J (bits={})", e_cmp, b);
  }
  energy_ = override_or(p, "energy_per_conversion", Dimension::kEnergy, energy);

  const auto n_t = p.integer_or("comparator_transistors", 10, 1, 1000);
  area_ = override_or(p, "area", Dimension::kArea,
                      Figure{comparators * static_cast<double>(n_t) * tech.min_transistor_area_F2 * tech.f2(),
                             fmt::format("flash: (2^bits - 1) comparators x {} min transistors x {} F^2 x F^2, "
                                         "F={:.6g} m, bits={} (xbarsim estimate)",
                                         n_t, tech.min_transistor_area_F2, tech.feature_size, b)});

  set_conversion_time(p, 1, fmt::format("flash: 1 cycle = {:.6g} s", 1.0 / clock()));
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::AdcRegistry, "flash", xbarsim::periphery::FlashAdc)
