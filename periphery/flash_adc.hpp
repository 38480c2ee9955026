// Flash ADC: 2^bits - 1 comparators decide in one cycle; cost from a Walden figure of merit or
// a per-comparator energy; area from the comparator count.
// Sources: Walden, IEEE JSAC 17(4) 1999; comparator size: StrongARM latch (Razavi, IEEE
// Solid-State Circuits Magazine, 2015), counted in minimum transistors (NeuroSim style).
#pragma once

#include <string>

#include "periphery/adc.hpp"

namespace xbarsim::periphery {

// A flash ADC. Keys (besides the common ones of Adc): energy_model (walden | comparators), fom,
// fom_node, comparator_energy, comparator_transistors, energy_per_conversion / area overrides,
// and at most one of latency (override), sample_rate, cycles_per_conversion (default 1 cycle).
class FlashAdc : public Adc {
 public:
  FlashAdc(const Params& p, const TechNode& tech, const AdcContext& ctx);
  std::unique_ptr<Adc> clone() const override { return std::unique_ptr<Adc>(new FlashAdc(*this)); }
  const std::string& energy_model() const { return energy_model_; }

 private:
  std::string energy_model_;
};

}  // namespace xbarsim::periphery
