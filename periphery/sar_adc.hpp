// Successive-approximation ADC: cost face from NeuroSim's SAR fit, a Walden figure of merit or
// ISAAC's table; area from NeuroSim's transistor count; latency bits + 1 cycles unless the card
// states its sample rate or cycles per conversion.
// Sources: NeuroSim V1.3 SarADC.cpp (Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 2021),
// Peng et al., IEDM 2019 (DNN+NeuroSim); Walden, IEEE JSAC 17(4) 1999; Shafiee et al. (ISAAC), ISCA 2016.
#pragma once

#include <string>

#include "periphery/adc.hpp"

namespace xbarsim::periphery {

// A SAR ADC. Keys (besides the common ones of Adc): energy_model (neurosim | walden | isaac),
// column_resistance, read_voltage, temperature_K (neurosim), fom, fom_node (walden), area_model
// (neurosim | isaac), energy_per_conversion / area (overrides), and at most one of latency
// (override), sample_rate, cycles_per_conversion (default bits + 1 cycles).
class SarAdc : public Adc {
 public:
  SarAdc(const Params& p, const TechNode& tech, const AdcContext& ctx);
  std::unique_ptr<Adc> clone() const override { return std::unique_ptr<Adc>(new SarAdc(*this)); }

  // Which energy model was used: "neurosim", "walden", "isaac" (an override replaces the value
  // but the model name stays; the source of energy_per_conversion() says "config override").
  const std::string& energy_model() const { return energy_model_; }

  // NeuroSim SAR fit, in J per conversion: P (1 + 1.3e-3 (T - 300 K)) (bits + 1) x 1 ns with
  // P = (a bits + b) 1e-6 W + c exp(k log10(R')) W, R' = R_col (0.5 V / V_read) (the temperature
  // factor on the power, as SarADC.cpp GetColumnPower). Preconditions: bits >= 1, R_col > 0, V_read > 0.
  static double neurosim_energy(const TechNode::SarFit& fit, int bits, double column_resistance, double read_voltage,
                                double temperature_K = 300.0);
  // Its two terms: the converter's own, (a bits + b) 1e-6 W x (bits + 1) ns, and the column's,
  // c exp(k log10(R')) W x (bits + 1) ns; neurosim_energy is their sum.
  static double neurosim_logic_energy(const TechNode::SarFit& fit, int bits, double temperature_K = 300.0);
  static double neurosim_column_energy(const TechNode::SarFit& fit, int bits, double column_resistance,
                                       double read_voltage, double temperature_K = 300.0);
  // NeuroSim SAR area in m^2: A_min F^2 (269 + 109 (bits - 1) + 209 + 73 (bits - 1)), A_min
  // the minimum-transistor footprint in F^2 (same for NMOS and PMOS here).
  static double neurosim_area(const TechNode& tech, int bits);
  // ISAAC's SAR energy per conversion at 32 nm (4 to 10 bits), J. Precondition: 4 <= bits <= 10.
  static double isaac_energy_32nm(int bits);

 private:
  std::string energy_model_;
};

}  // namespace xbarsim::periphery
