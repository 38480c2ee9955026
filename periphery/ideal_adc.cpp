// Ideal ADC (no source needed: identity transfer, zero energy, area and latency).
#include "periphery/ideal_adc.hpp"

namespace xbarsim::periphery {

IdealAdc::IdealAdc(const Params& p, const TechNode& /*tech*/, const AdcContext& ctx) : Adc(p, ctx, "ideal", true) {
  energy_ = Figure{0.0, "ideal ADC: no cost"};
  area_ = Figure{0.0, "ideal ADC: no cost"};
  latency_ = Figure{0.0, "ideal ADC: no cost"};
  latency_cycles_ = 0;
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::AdcRegistry, "ideal", xbarsim::periphery::IdealAdc)
