// ADC transfer errors (adc_errors.hpp; equations and sources in docs/periphery/adc.md).
#include "periphery/adc_errors.hpp"

#include <algorithm>
#include <cmath>

namespace xbarsim::periphery {

AdcErrors AdcErrors::from_params(const Params& p, std::int32_t max_code) {
  const double codes = static_cast<double>(max_code) + 1.0;  // 2^bits
  AdcErrors e;
  e.offset_lsb = p.real_or("offset_lsb", 0.0, -codes, codes);
  e.gain_error = p.real_or("gain_error", 0.0, -0.5, 0.5);
  e.inl_lsb = p.real_or("inl_lsb", 0.0, -0.25 * max_code, 0.25 * max_code);
  e.inl_shape = p.choice_or("inl_shape", {"bow", "s_curve"}, "bow") == "bow" ? InlShape::kBow : InlShape::kSCurve;
  e.dnl_lsb = p.real_or("dnl_lsb", 0.0, 0.0, 1.0);
  e.noise_lsb = p.real_or("noise_lsb", 0.0, 0.0, codes);
  return e;
}

AdcTransfer AdcTransfer::draw(const AdcErrors& errors, std::int32_t max_code, Rng* rng) {
  AdcTransfer t;
  const auto n = static_cast<std::size_t>(max_code);
  t.levels_.resize(n);
  // Independent displacements of RMS dnl / sqrt(2): the difference of two neighbours, the DNL of
  // the code between them, then has RMS dnl.
  const double sigma = errors.dnl_lsb / std::sqrt(2.0);
  const double span = max_code > 1 ? static_cast<double>(max_code - 1) : 1.0;
  for (std::size_t k = 0; k < n; ++k) {
    double level = static_cast<double>(k) + 0.5;
    if (errors.inl_lsb != 0.0 && max_code > 1) {
      level += errors.inl_lsb * inl_profile(errors.inl_shape, static_cast<double>(k) / span);
    }
    if (sigma > 0.0) level += sigma * rng->normal();
    t.levels_[k] = level;
  }
  std::sort(t.levels_.begin(), t.levels_.end());
  return t;
}

}  // namespace xbarsim::periphery
