#include "arch/chip_spec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/params.hpp"

namespace xbarsim::arch {
namespace {

// An inference chip with an N x N array, 8-bit ADC, 1 GHz clock and the given read pulse and
// line resistance (line capacitance 0.2 fF per cell).
ChipSpec square_chip(int n, const std::string& read_pulse, const std::string& r_per_cell) {
  const std::string yaml =
      "device: {impl: ideal, levels: 0, g_min: 1 uS, g_max: 10 uS}\n"
      "arch:\n"
      "  clock: 1 GHz\n"
      "  tech: {node: 22nm}\n"
      "  array: {rows: " +
      std::to_string(n) + ", cols: " + std::to_string(n) +
      ", line_capacitance_per_cell: 0.2 fF, line_resistance_per_cell: " + r_per_cell +
      "}\n"
      "  dac: {impl: bit_serial, bits: 8, signed: false, read_pulse: " +
      read_pulse +
      "}\n"
      "  adc: {impl: sar, bits: 8, mux_ratio: 8, signed: true}\n"
      "  shift_add: {impl: digital, bits: 24}\n"
      "  write_driver: {impl: standard, pulse_amplitude: 1 V, pulse_width: 10 ns}\n"
      "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n";
  const Params root = Params::from_string(yaml, "chip.yaml");
  return ChipSpec::from_params(root.child("arch"), root.child("device"), {n, 10});
}

TEST(ChipSpecSettling, ElmoreDelayOfTheLineToHalfAnLsb) {
  // 2048 x 2048, 2.5 Ohm and 0.2 fF per cell: R = 5120 Ohm, C = 409.6 fF, tau = RC / 2 =
  // 1.048576 ns; settling to half an LSB of 8 bits, tau ln(2^9) = 1.048576 ns x 6.238325 =
  // 6.541357 ns.
  const ChipSpec s = square_chip(2048, "1 ns", "2.5 ohm");
  EXPECT_NEAR(s.settling_time(), 0.5 * 5120.0 * 409.6e-15 * 9.0 * std::log(2.0), 1e-18);
  EXPECT_NEAR(s.settling_time(), 6.541357e-9, 1e-14);
  // The 1 ns read pulse stretches to the settling time: ceil(6.54 ns x 1 GHz) = 7 cycles.
  EXPECT_DOUBLE_EQ(s.read_time(), s.settling_time());
  EXPECT_EQ(s.read_cycles(), 7);
}

TEST(ChipSpecSettling, ShortLinesLeaveTheReadPulseAlone) {
  // 128 x 128: tau = (320 Ohm)(25.6 fF) / 2 = 4.096 ps, x 6.238 = 25.6 ps, far below 10 ns.
  const ChipSpec s = square_chip(128, "10 ns", "2.5 ohm");
  EXPECT_NEAR(s.settling_time(), 25.55e-12, 0.01e-12);
  EXPECT_DOUBLE_EQ(s.read_time(), 10e-9);
  EXPECT_EQ(s.read_cycles(), 10);
}

TEST(ChipSpecSettling, GrowsAsTheSquareOfTheLineLength) {
  // R and C both scale with N: doubling the array quadruples the settling time; without wire
  // resistance nothing settles.
  EXPECT_NEAR(square_chip(1024, "1 ns", "2.5 ohm").settling_time() * 4.0,
              square_chip(2048, "1 ns", "2.5 ohm").settling_time(), 1e-18);
  EXPECT_EQ(square_chip(2048, "1 ns", "0 ohm").settling_time(), 0.0);
  EXPECT_EQ(square_chip(2048, "1 ns", "0 ohm").read_cycles(), 1);
}

// An inference chip (or with `backward`, a training chip) with an `ir_drop` section and `array`
// keys besides rows and cols; `dac` replaces the DAC.
ChipSpec ir_chip(const std::string& ir_drop, const std::string& array = "cell_area_F2: 40", bool backward = false,
                 const std::string& dac = "{impl: bit_serial, bits: 8, signed: false, read_pulse: 10 ns}") {
  const std::string yaml =
      "device: {impl: ideal, levels: 0, g_min: 1 uS, g_max: 10 uS}\n"
      "arch:\n"
      "  clock: 1 GHz\n"
      "  tech: {node: 22nm}\n"
      "  array: {rows: 64, cols: 64, " +
      array + ", ir_drop: " + ir_drop +
      "}\n"
      "  dac: " +
      dac +
      "\n"
      "  adc: {impl: sar, bits: 8, mux_ratio: 8, signed: true}\n"
      "  shift_add: {impl: digital, bits: 24}\n"
      "  write_driver: {impl: standard, pulse_amplitude: 1 V, pulse_width: 10 ns}\n"
      "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n" +
      (backward ? "  backward_dac: {impl: bit_serial, bits: 4, signed: true, read_pulse: 10 ns}\n"
                  "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, "
                  "ports: 1}\n"
                : "");
  const Params root = Params::from_string(yaml, "chip.yaml");
  ChipSpec s = ChipSpec::from_params(root.child("arch"), root.child("device"), {64, 10});
  root.check_all_read();
  return s;
}

// The one line a refused configuration gives.
std::string refusal(const std::string& ir_drop, const std::string& array = "cell_area_F2: 40", bool backward = false,
                    const std::string& dac = "{impl: bit_serial, bits: 8, signed: false, read_pulse: 10 ns}") {
  try {
    ir_chip(ir_drop, array, backward, dac);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ChipSpecIrDrop, OffByDefault) {
  const ChipSpec s = ir_chip("{}");
  EXPECT_FALSE(s.ir_drop.enabled);
  EXPECT_EQ(s.ir_drop.method, IrDropMethod::kFast);
}

TEST(ChipSpecIrDrop, WireResistanceFromTheNodeOrTheKey) {
  // 22 nm, 40 F^2: 4.03e-8 Ohm m x sqrt(40) x 22 nm / (40 nm x 1.9 x 40 nm) = 1.8445 Ohm.
  const ChipSpec s = ir_chip("{enabled: true}");
  EXPECT_TRUE(s.ir_drop.enabled);
  EXPECT_NEAR(s.ir_drop.wire_resistance_per_cell, 4.03e-8 * std::sqrt(40.0) * 22e-9 / (40e-9 * 1.9 * 40e-9), 1e-12);
  // 90 F^2: the pitch grows by sqrt(90 / 40) = 1.5.
  EXPECT_NEAR(ir_chip("{enabled: true}", "cell_area_F2: 90").ir_drop.wire_resistance_per_cell,
              1.5 * s.ir_drop.wire_resistance_per_cell, 1e-12);
  const ChipSpec k = ir_chip("{enabled: true, method: exact, wire_resistance_per_cell: 7 ohm}");
  EXPECT_EQ(k.ir_drop.wire_resistance_per_cell, 7.0);
  EXPECT_EQ(k.ir_drop.method, IrDropMethod::kExact);
}

TEST(ChipSpecIrDrop, RefusalsNameTheKey) {
  // A cell narrower than the metal pitch: 2 x 40 nm / 22 nm = 3.636 F, at least 13.22 F^2.
  const std::string narrow = refusal("{enabled: true}", "cell_area_F2: 12");
  EXPECT_NE(narrow.find("chip.yaml:5: arch.array.cell_area_F2: expected at least 13.22"), std::string::npos) << narrow;
  // ... unless the resistance is given.
  EXPECT_EQ(refusal("{enabled: true, wire_resistance_per_cell: 2 ohm}", "cell_area_F2: 12"), "");
  const std::string training = refusal("{enabled: true}", "cell_area_F2: 40", true);
  EXPECT_NE(training.find("arch.array.ir_drop.enabled: expected false on a training chip"), std::string::npos)
      << training;
  const std::string pulse = refusal("{enabled: true}", "cell_area_F2: 40", false,
                                    "{impl: pulse_width, bits: 3, signed: false, unit_pulse: 1 ns}");
  EXPECT_NE(pulse.find("arch.array.ir_drop.enabled: expected false with a pulse_width DAC"), std::string::npos)
      << pulse;
  const std::string method = refusal("{enabled: true, method: iterative}");
  EXPECT_NE(method.find("arch.array.ir_drop.method"), std::string::npos) << method;
  const std::string unit = refusal("{enabled: true, wire_resistance_per_cell: 2}");
  EXPECT_NE(unit.find("arch.array.ir_drop.wire_resistance_per_cell"), std::string::npos) << unit;
}

// A training chip (backward_dac present) with an 8-bit forward ADC and `extra` arch lines.
ChipSpec training_chip(const std::string& extra) {
  const std::string yaml =
      "device: {impl: ideal, levels: 0, g_min: 1 uS, g_max: 10 uS}\n"
      "arch:\n"
      "  clock: 1 GHz\n"
      "  tech: {node: 22nm}\n"
      "  array: {rows: 64, cols: 64}\n"
      "  dac: {impl: bit_serial, bits: 8, signed: false}\n"
      "  adc: {impl: sar, bits: 8, mux_ratio: 8, signed: true}\n"
      "  backward_dac: {impl: bit_serial, bits: 8, signed: true}\n"
      "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
      "  shift_add: {impl: digital, bits: 24}\n"
      "  write_driver: {impl: standard, pulse_amplitude: 1 V, pulse_width: 10 ns}\n"
      "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n" +
      extra;
  const Params root = Params::from_string(yaml, "train.yaml");
  return ChipSpec::from_params(root.child("arch"), root.child("device"), {64, 10});
}

TEST(ChipSpecTraining, BackwardAdcIsTheAdcCardUnlessGiven) {
  const ChipSpec same = training_chip("");
  ASSERT_TRUE(same.backward_adc);
  EXPECT_EQ(same.backward_adc->bits(), 8);
  EXPECT_DOUBLE_EQ(same.range_quantile, 1.0);
  const ChipSpec own = training_chip(
      "  backward_adc: {impl: sar, bits: 12, mux_ratio: 8, signed: true}\n"
      "  range_quantile: 0.99\n");
  EXPECT_EQ(own.adc->bits(), 8);
  EXPECT_EQ(own.backward_adc->bits(), 12);
  EXPECT_DOUBLE_EQ(own.range_quantile, 0.99);
}

TEST(ChipSpecTraining, BackwardAdcMustShareTheMuxAndBeSigned) {
  const auto message = [](const std::string& extra) {
    try {
      training_chip(extra);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string mux = message("  backward_adc: {impl: sar, bits: 8, mux_ratio: 4, signed: true}\n");
  EXPECT_NE(mux.find("backward_adc.mux_ratio"), std::string::npos) << mux;
  EXPECT_NE(mux.find("mux_ratio (8)"), std::string::npos) << mux;
  const std::string sign = message("  backward_adc: {impl: sar, bits: 8, mux_ratio: 8, signed: false}\n");
  EXPECT_NE(sign.find("backward_adc.signed"), std::string::npos) << sign;
  const std::string q = message("  range_quantile: 0.2\n");
  EXPECT_NE(q.find("range_quantile"), std::string::npos) << q;
}

}  // namespace
}  // namespace xbarsim::arch
