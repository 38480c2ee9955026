// Ideal ADC: passes column outputs through unquantized and unclipped, at no cost; the
// reference against which the real ADCs' accuracy loss is measured.
#pragma once

#include "periphery/adc.hpp"

namespace xbarsim::periphery {

// An ideal ADC. Keys: mux_ratio (default 1), clock; `bits` is not read.
class IdealAdc : public Adc {
 public:
  IdealAdc(const Params& p, const TechNode& tech, const AdcContext& ctx);
  std::unique_ptr<Adc> clone() const override { return std::unique_ptr<Adc>(new IdealAdc(*this)); }
};

}  // namespace xbarsim::periphery
