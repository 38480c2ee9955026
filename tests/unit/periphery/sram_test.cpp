// SRAM accumulator: energy per bit/word, leakage, area and latency against hand-computed values.
#include "periphery/sram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

std::unique_ptr<Sram> make_sram(const std::string& yaml, const std::string& node) {
  const Params root = Params::from_string(yaml, "<test>");
  auto s = SramRegistry::instance().create(root.child("sram"), TechNode::builtin(node));
  root.check_all_read();
  return s;
}

TEST(Sram, HandComputedConfigurations) {
  {
    // 22 nm, 64 KB, 32-bit words, 1 bank, 1 port:
    // E_bit = 0.06814 pJ * sqrt(65536/8192 = 8) = 0.06814 * 2.828427 = 0.192729 pJ;
    // E_word = 32 * 0.192729 = 6.16733 pJ; leakage 524288 bits * 11.22 nW = 5.88251 mW;
    // area 524288 * 146 F^2 * (22 nm)^2 = 76546048 * 4.84e-16 = 3.70483e-8 m^2; 1 cycle = 1 ns.
    auto s = make_sram("sram: {impl: sram, word_bits: 32, capacity_bytes: 65536}", "22nm");
    EXPECT_NEAR(s->read_energy_per_bit().value, 0.192729e-12, 0.000001e-12);
    EXPECT_NEAR(s->write_energy_per_bit().value, 0.192729e-12, 0.000001e-12);
    EXPECT_NEAR(s->read_energy_per_word(), 6.16733e-12, 0.00001e-12);
    EXPECT_NEAR(s->leakage_power(), 5.88251e-3, 0.00001e-3);
    EXPECT_NEAR(s->area().value, 3.70483e-8, 0.00001e-8);
    EXPECT_NEAR(s->latency().value, 1e-9, 1e-18);
    EXPECT_EQ(s->words(), 16384);
    EXPECT_EQ(s->accesses_per_cycle(), 1);
  }
  {
    // 45 nm, 32 KB in 4 banks of 8 KB, 64-bit words, 2 ports: E_bit = 0.1929 pJ * sqrt(1);
    // E_word = 64 * 0.1929 = 12.3456 pJ (Horowitz: 10 pJ at 0.9 V; * (1.0/0.9)^2 = 12.35 pJ);
    // area 262144 * 146 * (45 nm)^2 * 2 ports = 1.550057e-7 m^2; 8 accesses per cycle;
    // leakage 262144 * 27 nW = 7.07789 mW.
    auto s = make_sram("sram: {impl: sram, word_bits: 64, capacity_bytes: 32768, banks: 4, ports: 2}", "45nm");
    EXPECT_NEAR(s->read_energy_per_word(), 12.3456e-12, 0.0001e-12);
    EXPECT_NEAR(s->area().value, 1.550057e-7, 0.000001e-7);
    EXPECT_EQ(s->accesses_per_cycle(), 8);
    EXPECT_NEAR(s->leakage_power(), 7.07789e-3, 0.00001e-3);
  }
  {
    // 65 nm, 1 MB, 16-bit words, read energy overridden to 0.5 pJ/bit, write computed:
    // 0.3371 pJ * sqrt(1048576/8192 = 128) = 0.3371 * 11.31371 = 3.81385 pJ/bit;
    // area 8388608 * 120 F^2 * (65 nm)^2 / 0.5 = 1006632960 * 4.225e-15 / 0.5 = 8.50605e-6 m^2;
    // latency 3 cycles at 500 MHz = 6 ns.
    auto s = make_sram(
        "sram: {impl: sram, word_bits: 16, capacity_bytes: 1048576, read_energy_per_bit: 0.5 pJ, "
        "cell_area_F2: 120, area_efficiency: 0.5, latency_cycles: 3, clock: 500 MHz}",
        "65nm");
    EXPECT_DOUBLE_EQ(s->read_energy_per_bit().value, 0.5e-12);
    EXPECT_NE(s->read_energy_per_bit().source.find("config override"), std::string::npos);
    EXPECT_NEAR(s->write_energy_per_bit().value, 3.81385e-12, 0.00001e-12);
    EXPECT_NEAR(s->read_energy_per_word(), 8e-12, 1e-20);
    EXPECT_NEAR(s->area().value, 8.50605e-6, 0.00001e-6);
    EXPECT_NEAR(s->latency().value, 6e-9, 1e-18);
    EXPECT_EQ(s->latency_cycles(), 3);
  }
}

TEST(Sram, SquareRootFitStaysWithin15PercentOfHorowitz) {
  // Horowitz ISSCC 2014, 45 nm 0.9 V, 64-bit reads: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.
  TechNode t = TechNode::builtin("45nm");
  t.sram_energy_per_bit_8KB = 10e-12 / 64;  // Horowitz's own supply, no node scaling
  EXPECT_NEAR(64 * Sram::energy_per_bit(t, 8192), 10e-12, 1e-18);
  EXPECT_NEAR(64 * Sram::energy_per_bit(t, 32768), 20e-12, 1e-18);      // sqrt(4) = 2 exactly
  EXPECT_NEAR(64 * Sram::energy_per_bit(t, 1048576), 100e-12, 15e-12);  // 113 pJ
}

}  // namespace
}  // namespace xbarsim::periphery
