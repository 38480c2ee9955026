// Shift-and-add cost model (docs/periphery/shift_add.md):
//   E = 0.01953125 pJ x (bits / 16) x (F / 32 nm) (Vdd / 0.9 V)^2   (ISAAC, ISCA 2016: 0.2 mW
//       for the adds of 8 ADCs at 1.28 GS/s, basis in isaac_table.hpp; a ripple adder's switched
//       capacitance grows linearly with its width: xbarsim scaling)
//   A = 60 um^2 (0.00024 mm^2 / 4 units) x (bits / 16) x (F / 32 nm)^2
//   latency: `latency_cycles` cycles of `clock` (default 1 cycle at 1 GHz, ISAAC's pipeline).
#include "periphery/shift_add.hpp"

#include <fmt/format.h>

#include <cassert>

#include "core/cards.hpp"
#include "periphery/isaac_table.hpp"

namespace xbarsim::periphery {

using units::Dimension;

ShiftAdd::ShiftAdd(const Params& p, const TechNode& tech) {
  bits_ = static_cast<int>(p.integer_or("bits", 16, 2, 62));
  acc_max_ = (std::int64_t{1} << (bits_ - 1)) - 1;
  const double width = bits_ / 16.0;
  const double es = energy_scale(tech.feature_size, tech.vdd, isaac::kFeature, isaac::kVdd);
  const double as = area_scale(tech.feature_size, isaac::kFeature);
  energy_ = override_or(p, "energy_per_op", Dimension::kEnergy,
                        Figure{isaac::kShiftAddEnergy16 * width * es,
                               fmt::format("ISAAC 16-bit shift-add 0.2 mW / (8 x 1.28 G adds/s) = 0.01953125 pJ "
                                           "(ISCA 2016) x bits/16 ({}) x node "
                                           "scale {:.6g} [(F/32nm)(Vdd/0.9V)^2, {}]",
                                           width, es, tech.name)});
  area_ = override_or(
      p, "area", Dimension::kArea,
      Figure{isaac::kShiftAddArea16 * width * as, fmt::format("ISAAC 16-bit shift-add 60 um^2 x bits/16 ({}) x "
                                                              "(F/32nm)^2 = {:.6g} ({})",
                                                              width, as, tech.name)});
  const double clock = p.quantity_or("clock", Dimension::kFrequency, "1 GHz", 1e3, 1e12);
  const auto cycles = p.integer_or("latency_cycles", 1, 0, 1000000);
  latency_ =
      override_or(p, "latency", Dimension::kTime,
                  Figure{static_cast<double>(cycles) / clock, fmt::format("{} cycle(s) at {:.6g} Hz", cycles, clock)});
  latency_cycles_ = cycles_of(latency_.value, clock);
}

std::size_t ShiftAdd::accumulate(std::span<const std::int32_t> partial, int shift, bool subtract,
                                 std::span<std::int64_t> acc) const {
  assert(shift >= 0 && shift < bits_ && acc.size() == partial.size());
  std::size_t saturated = 0;
  const std::int64_t lo = acc_min();
  const std::int64_t hi = acc_max_;
  const std::size_t n = partial.size();
  for (std::size_t i = 0; i < n; ++i) {
    // term = +-partial << shift; on int64 overflow |term| >= 2^63 exceeds any accumulator
    // (bits <= 62), so the result saturates toward the sign of the term.
    const std::int64_t p = subtract ? -static_cast<std::int64_t>(partial[i]) : partial[i];
    std::int64_t term = 0;
    std::int64_t v = 0;
    if (__builtin_mul_overflow(p, std::int64_t{1} << shift, &term) || __builtin_add_overflow(acc[i], term, &v)) {
      v = p > 0 ? hi + 1 : lo - 1;
    }
    if (v > hi) {
      v = hi;
      ++saturated;
    } else if (v < lo) {
      v = lo;
      ++saturated;
    }
    acc[i] = v;
  }
  return saturated;
}

void ShiftAdd::accumulate(std::span<const float> partial, float scale, std::span<float> acc) {
  assert(acc.size() == partial.size());
  const std::size_t n = partial.size();
  for (std::size_t i = 0; i < n; ++i) acc[i] += scale * partial[i];
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::ShiftAddRegistry, "digital", xbarsim::periphery::ShiftAdd)

XBARSIM_REGISTER_CARD("shift_add", [](const xbarsim::Params& p) {
  const auto tech = xbarsim::periphery::TechNode::for_card(p);
  (void)xbarsim::periphery::ShiftAddRegistry::instance().create(p, tech);
})
