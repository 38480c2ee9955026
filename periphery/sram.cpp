// SRAM cost model (docs/periphery/sram.md):
//   E_bit   = E_8KB(node) sqrt(C_bank / 8 KB); Horowitz ISSCC 2014 (45 nm, 0.9 V): 64-bit read
//             of 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ; the square root reproduces these within
//             15 %. Write taken equal to read (no separate published figure).
//   P_leak  = leakage_per_bit x capacity bits (tech table, ITRS-HP estimate)
//   area    = bits x cell_area_F2 x F^2 x ports / area_efficiency (CACTI 6.5 6T cell 146 F^2;
//             each extra port is taken to add a full cell's worth of access devices and wires)
//   latency = latency_cycles clock cycles (default 1).
#include "periphery/sram.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/cards.hpp"

namespace xbarsim::periphery {

using units::Dimension;

double Sram::energy_per_bit(const TechNode& tech, double bank_bytes) {
  return tech.sram_energy_per_bit_8KB * std::sqrt(bank_bytes / 8192.0);
}

Sram::Sram(const Params& p, const TechNode& tech) {
  word_bits_ = static_cast<int>(p.integer_or("word_bits", 32, 1, 4096));
  capacity_bytes_ = p.integer_or("capacity_bytes", 65536, 1, std::int64_t{1} << 40);
  banks_ = static_cast<int>(p.integer_or("banks", 1, 1, 1 << 16));
  ports_ = static_cast<int>(p.integer_or("ports", 1, 1, 16));
  if (capacity_bits() % word_bits_ != 0) {
    p.fail("capacity_bytes", fmt::format("a whole number of {}-bit words", word_bits_));
  }
  if (words() % banks_ != 0) p.fail("banks", "a divisor of the number of words");

  const double bank_bytes = static_cast<double>(capacity_bytes_) / banks_;
  const double e = energy_per_bit(tech, bank_bytes);
  const std::string e_src =
      fmt::format("Horowitz ISSCC 2014 scaled: E_8KB={:.6g} J/bit ({}) x sqrt(bank {:.6g} B / 8192 B)",
                  tech.sram_energy_per_bit_8KB, tech.name, bank_bytes);
  read_bit_ = override_or(p, "read_energy_per_bit", Dimension::kEnergy, Figure{e, e_src});
  write_bit_ = override_or(p, "write_energy_per_bit", Dimension::kEnergy, Figure{e, e_src + " (write = read)"});
  leak_bit_ =
      override_or(p, "leakage_per_bit", Dimension::kPower,
                  Figure{tech.sram_leakage_per_bit,
                         fmt::format("tech table {}: Vdd x I_off(ITRS HP 100 nA/um) x 6F (estimate)", tech.name)});

  const double cell_F2 = p.real_or("cell_area_F2", tech.sram_cell_area_F2, 1e-3);
  const double efficiency = p.real_or("area_efficiency", 1.0, 1e-3, 1.0);
  area_ = override_or(p, "area", Dimension::kArea,
                      Figure{static_cast<double>(capacity_bits()) * cell_F2 * tech.f2() * ports_ / efficiency,
                             fmt::format("bits x {} F^2 x F^2 x {} port(s) / efficiency {}, F={:.6g} m (CACTI 6.5 "
                                         "cell)",
                                         cell_F2, ports_, efficiency, tech.feature_size)});

  const double clock = p.quantity_or("clock", Dimension::kFrequency, "1 GHz", 1e3, 1e12);
  const auto cycles = p.integer_or("latency_cycles", 1, 0, 1000000);
  latency_ =
      override_or(p, "latency", Dimension::kTime,
                  Figure{static_cast<double>(cycles) / clock, fmt::format("{} cycle(s) at {:.6g} Hz", cycles, clock)});
  latency_cycles_ = cycles_of(latency_.value, clock);
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::SramRegistry, "sram", xbarsim::periphery::Sram)

XBARSIM_REGISTER_CARD("sram", [](const xbarsim::Params& p) {
  const auto tech = xbarsim::periphery::TechNode::for_card(p);
  (void)xbarsim::periphery::SramRegistry::instance().create(p, tech);
})
