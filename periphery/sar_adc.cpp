// SAR ADC cost models. Equations and sources: docs/periphery/adc.md.
// - NeuroSim V1.3 SarADC.cpp fit (Peng et al., IEDM 2019): energy (temperature factor on the
//   power, as GetColumnPower), area, latency (bits+1) cycles unless the card states its rate;
// - Walden figure of merit, E = FoM 2^bits (Walden, IEEE JSAC 17(4), 1999), scaled from the
//   FoM's node (Adc::walden_energy);
// - ISAAC table (Shafiee et al., ISCA 2016; its converter Kull et al., ISSCC 2013): 16 mW for
//   8 ADCs at 1.28 GS/s, 1.5625 pJ per 8-bit conversion (isaac_table.hpp states the basis);
//   other resolutions by the ratios of Accelergy's ISAAC library (capacitive-DAC scaling, Saberi
//   et al., IEEE TCAS-I 2011); scaled to the node by (F / 32 nm) (Vdd / 0.9 V)^2 for energy and
//   (F / 32 nm)^2 for area.
#include "periphery/sar_adc.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <stdexcept>

#include "periphery/isaac_table.hpp"

namespace xbarsim::periphery {

using units::Dimension;

namespace {
// Energy of a b-bit conversion relative to the 8-bit one, b = 4..10: Accelergy's ISAAC library
// table (0.79, 0.99, 1.20, 1.42, 1.6667, 1.9691, 2.3790 pJ) divided by its 8-bit entry.
constexpr double kAccelergy8bit_pJ = 1.666666667;
constexpr std::array<double, 7> kIsaacEnergyRatio{0.79 / kAccelergy8bit_pJ,
                                                  0.99 / kAccelergy8bit_pJ,
                                                  1.20 / kAccelergy8bit_pJ,
                                                  1.42 / kAccelergy8bit_pJ,
                                                  1.0,
                                                  1.969078145 / kAccelergy8bit_pJ,
                                                  2.379022742 / kAccelergy8bit_pJ};
}  // namespace

// NeuroSim SarADC.cpp GetColumnPower: Column_Power *= (1 + 1.3e-3 (temp - 300)), on the whole power.
double SarAdc::neurosim_logic_energy(const TechNode::SarFit& fit, int bits, double temperature_K) {
  const double thermal = 1.0 + 1.3e-3 * (temperature_K - 300.0);
  return (fit.a * bits + fit.b) * 1e-6 * thermal * (bits + 1) * 1e-9;
}

double SarAdc::neurosim_column_energy(const TechNode::SarFit& fit, int bits, double column_resistance,
                                      double read_voltage, double temperature_K) {
  const double r = column_resistance * (0.5 / read_voltage);
  const double thermal = 1.0 + 1.3e-3 * (temperature_K - 300.0);
  return fit.c * std::exp(fit.k * std::log10(r)) * thermal * (bits + 1) * 1e-9;
}

double SarAdc::neurosim_energy(const TechNode::SarFit& fit, int bits, double column_resistance, double read_voltage,
                               double temperature_K) {
  return neurosim_logic_energy(fit, bits, temperature_K) +
         neurosim_column_energy(fit, bits, column_resistance, read_voltage, temperature_K);
}

double SarAdc::neurosim_area(const TechNode& tech, int bits) {
  const double transistors = 269.0 + 109.0 * (bits - 1) + 209.0 + 73.0 * (bits - 1);
  return tech.min_transistor_area_F2 * tech.f2() * transistors;
}

double SarAdc::isaac_energy_32nm(int bits) {
  if (bits < 4 || bits > 10) throw std::out_of_range("ISAAC ADC table covers 4 to 10 bits");
  return isaac::kAdcEnergy8bit * kIsaacEnergyRatio[static_cast<std::size_t>(bits - 4)];
}

SarAdc::SarAdc(const Params& p, const TechNode& tech, const AdcContext& ctx) : Adc(p, ctx, "sar", false) {
  const int b = bits();
  energy_model_ = p.choice_or("energy_model", {"neurosim", "walden", "isaac"}, "neurosim");
  Figure energy;
  if (energy_model_ == "neurosim" && ctx.per_read_column && !p.has("column_resistance")) {
    // In a chip: the converter's own energy per conversion, and the column's as a ColumnTerm of
    // the conductance each read activates (NeuroSim's GetColumnResistance semantics). With
    // R' proportional to 1/G, c exp(k log10 R') = E(1 nS) (G / 1 nS)^(-k / ln 10).
    double v_read = ctx.read_voltage;
    if (p.has("read_voltage") || !(v_read > 0.0)) {
      v_read = p.quantity_or("read_voltage", Dimension::kVoltage, "0.5 V", 1e-3, 10.0);
    }
    const double temp = p.real_or("temperature_K", 300.0, 1.0, 1000.0);
    energy.value = neurosim_logic_energy(tech.sar, b, temp);
    energy.source = fmt::format(
        "NeuroSim V1.3 SAR fit, {} (a={}, b={}): converter term (a bits + b) uW x (1 + 1.3e-3 (T - 300 K)) x "
        "(bits+1) x 1 ns, bits={}, T={:.6g} K (the column term is charged per read as column_1nS)",
        tech.name, tech.sar.a, tech.sar.b, b, temp);
    ColumnTerm term;
    term.exponent = -tech.sar.k / std::log(10.0);
    term.energy_at_1nS = neurosim_column_energy(tech.sar, b, 1e9, v_read, temp);
    term.source = fmt::format(
        "NeuroSim V1.3 SAR fit, {} (c={}, k={}): column term c exp(k log10 R') W x (bits+1) x 1 ns at G = 1 nS, "
        "R' = (1/G) (0.5 V / V_read), V_read={} V, T={:.6g} K; count = sum over conversions of (G/1 nS)^{:.6g}, G the "
        "conductance of the cells the read activated on the column",
        tech.name, tech.sar.c, tech.sar.k, v_read, temp, term.exponent);
    column_term_ = term;
  } else if (energy_model_ == "neurosim") {
    double r_col = ctx.column_resistance;
    if (p.has("column_resistance") || !(r_col > 0.0)) {
      if (!p.has("column_resistance")) {
        p.fail("column_resistance",
               "a resistance > 0 (the column's equivalent resistance, needed by energy_model "
               "neurosim and not supplied by the array)");
      }
      r_col = p.quantity("column_resistance", Dimension::kResistance, 1e-3);
    }
    double v_read = ctx.read_voltage;
    if (p.has("read_voltage") || !(v_read > 0.0)) {
      v_read = p.quantity_or("read_voltage", Dimension::kVoltage, "0.5 V", 1e-3, 10.0);
    }
    const double temp = p.real_or("temperature_K", 300.0, 1.0, 1000.0);
    energy.value = neurosim_energy(tech.sar, b, r_col, v_read, temp);
    energy.source = fmt::format(
        "NeuroSim V1.3 SAR fit, {} (a={}, b={}, c={}, k={}): E = [(a bits + b) uW + c "
        "exp(k log10(R')) W] (bits+1) 1 ns, bits={}, R_col={} Ohm, V_read={} V, T={:.6g} K",
        tech.name, tech.sar.a, tech.sar.b, tech.sar.c, tech.sar.k, b, r_col, v_read, temp);
  } else if (energy_model_ == "walden") {
    energy = walden_energy(p, tech, b);
  } else {
    if (b < 4 || b > 10) p.fail("bits", "4 to 10 bits (range of energy_model isaac)");
    const double s = energy_scale(tech.feature_size, tech.vdd, isaac::kFeature, isaac::kVdd);
    energy.value = isaac_energy_32nm(b) * s;
    energy.source = fmt::format(
        "ISAAC (Shafiee et al. ISCA 2016): 16 mW / (8 ADCs x 1.28 GS/s) = 1.5625 pJ at 8 bits; {}-bit {:.6g} pJ "
        "at 32 nm x node scale {:.6g} [(F/32nm)(Vdd/0.9V)^2, {}]",
        b, isaac_energy_32nm(b) * 1e12, s, tech.name);
  }
  energy_ = override_or(p, "energy_per_conversion", Dimension::kEnergy, energy);
  if (p.has("energy_per_conversion")) column_term_.reset();  // the override is the whole energy

  const std::string area_model = p.choice_or("area_model", {"neurosim", "isaac"}, "neurosim");
  Figure area;
  if (area_model == "neurosim") {
    area.value = neurosim_area(tech, b);
    area.source = fmt::format(
        "NeuroSim V1.3 SAR area: A_min F^2 (269 + 109 (bits-1) + 209 + 73 (bits-1)) minimum "
        "transistors, A_min={} F^2, F={:.6g} m, bits={}",
        tech.min_transistor_area_F2, tech.feature_size, b);
  } else {
    const double s = area_scale(tech.feature_size, isaac::kFeature);
    area.value = isaac::kAdcArea8bit * std::ldexp(1.0, b - 8) * s;
    area.source = fmt::format(
        "ISAAC 8-bit SAR 0.0096 mm^2 / 8 = 1200 um^2 at 32 nm x 2^(bits-8) x (F/32nm)^2 = {:.6g} (bits={}, {})", s, b,
        tech.name);
  }
  area_ = override_or(p, "area", Dimension::kArea, area);

  // Conversion time: the card's sample_rate or cycles_per_conversion, else NeuroSim's (bits+1)
  // cycles (SarADC.cpp CalculateLatency). The energy above stays the fit's P (bits+1) 1 ns.
  set_conversion_time(p, b + 1,
                      fmt::format("SAR: (bits+1) cycles = {} x {:.6g} s (NeuroSim SarADC.cpp)", b + 1, 1.0 / clock()));
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::AdcRegistry, "sar", xbarsim::periphery::SarAdc)
