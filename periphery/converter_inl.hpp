// The smooth integral nonlinearity (INL) of a data converter's transfer, shared by the ADC
// (adc_errors.hpp) and the multi-bit DAC (dac.hpp): a static, deterministic deviation of the
// transitions (ADC) or output levels (DAC) from the straight line through the end points, with
// its peak in LSB. Two shapes, the low-order terms of a polynomial characteristic: a 2nd-order
// bow (even-order nonlinearity, e.g. a single-ended input stage or a reference with a voltage
// coefficient) and a 3rd-order S-curve (odd-order: what is left once a differential circuit
// cancels the even orders). Definitions of INL, end-point fit and the polynomial view: Razavi,
// "Principles of Data Conversion System Design", IEEE Press 1995, ch. 2; Kester (ed.), "Data
// Conversion Handbook", Analog Devices 2005, ch. 2. docs/periphery/adc.md and dac.md.
#pragma once

#include <cmath>

namespace xbarsim::periphery {

enum class InlShape { kBow, kSCurve };

// The INL profile at the normalized position s in [0, 1] of the transfer (0: first transition
// or level, 1: last), zero at both ends, peak magnitude 1:
//   bow:     f(s) = 4 s (1 - s)                                   (+1 at s = 1/2)
//   s_curve: f(s) = (3 sqrt(3) / 2) w (1 - w^2), w = 2 s - 1      (-1 at w = -1/sqrt(3), +1 at w = 1/sqrt(3))
inline double inl_profile(InlShape shape, double s) {
  if (shape == InlShape::kBow) return 4.0 * s * (1.0 - s);
  const double w = 2.0 * s - 1.0;
  return 1.5 * std::sqrt(3.0) * w * (1.0 - w * w);
}

}  // namespace xbarsim::periphery
