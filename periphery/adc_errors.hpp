// ADC transfer errors: offset, gain error, integral and differential nonlinearity (static, one
// transfer per physical converter) and input-referred noise (drawn per conversion), in LSB of the
// converter's nominal range. Card keys of every real ADC (sar, flash), all zero by default: the
// ideal uniform quantizer of adc.hpp, bit for bit.
// Definitions (transition levels, offset, gain error, DNL, INL, the code-density test): IEEE Std
// 1241-2010, "IEEE Standard for Terminology and Test Methods for Analog-to-Digital Converters";
// Razavi, "Principles of Data Conversion System Design", IEEE Press 1995, ch. 2. DNL as independent
// random displacements of the decision levels: the comparator-offset picture of a flash converter
// (one comparator per level), used here for every kind. Equations, typical values and their
// sources: docs/periphery/adc.md, "Non-idealities".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/params.hpp"
#include "core/rng.hpp"
#include "periphery/converter_inl.hpp"

namespace xbarsim::periphery {

// The card's error parameters.
struct AdcErrors {
  double offset_lsb = 0.0;              // offset_lsb: code shift at zero input, LSB
  double gain_error = 0.0;              // gain_error: slope error, fraction of full scale
  double inl_lsb = 0.0;                 // inl_lsb: peak of the smooth INL, LSB (sign: + moves the levels up)
  InlShape inl_shape = InlShape::kBow;  // inl_shape: bow | s_curve
  double dnl_lsb = 0.0;                 // dnl_lsb: RMS DNL of the random level displacements, LSB
  double noise_lsb = 0.0;               // noise_lsb: RMS input-referred noise per conversion, LSB

  // Reads the keys above from the card of an ADC with `max_code` (2^bits - 1) codes, each with its
  // bounds (|offset_lsb| <= 2^bits, |gain_error| <= 0.5, |inl_lsb| <= max_code / 4, dnl_lsb in
  // [0, 1], noise_lsb in [0, 2^bits]).
  static AdcErrors from_params(const Params& p, std::int32_t max_code);
  // True when any parameter is non-zero: conversions then go through an AdcTransfer.
  bool any() const {
    return offset_lsb != 0.0 || gain_error != 0.0 || inl_lsb != 0.0 || dnl_lsb != 0.0 || noise_lsb != 0.0;
  }
  // True when every physical converter has a transfer of its own (random DNL); otherwise one
  // transfer serves them all.
  bool per_instance() const { return dnl_lsb > 0.0; }
};

// The static transfer of one physical converter: its decision levels in LSB of the nominal range,
// on the axis of the effective input v (docs/periphery/adc.md):
//   t_k = k + 1/2 + inl_lsb f(k / (N - 1)) + d_k,   k = 0 .. N - 1,  N = max_code
// (f the INL profile of converter_inl.hpp, f = 0 for N = 1; d_k ~ N(0, dnl_lsb^2 / 2) independent,
// so that the DNL of a code, (t_k - t_(k-1)) - 1, has RMS dnl_lsb), sorted ascending: the code of v
// is the number of levels <= v, which does not depend on their order, so a level displaced past
// its neighbour is a missing code. Offset, gain and noise act on v (Adc::quantize).
class AdcTransfer {
 public:
  AdcTransfer() = default;
  // Draws the d_k from `rng` in code order (N standard normal draws) when errors.dnl_lsb > 0;
  // `rng` may be null otherwise. Precondition: max_code >= 1.
  static AdcTransfer draw(const AdcErrors& errors, std::int32_t max_code, Rng* rng);

  std::span<const double> levels() const { return levels_; }
  std::int32_t max_code() const { return static_cast<std::int32_t>(levels_.size()); }

 private:
  std::vector<double> levels_;
};

}  // namespace xbarsim::periphery
