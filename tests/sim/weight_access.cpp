// The weight-addressed chip API (arch/weight_access.hpp) on a small chip whose layer spans
// several tiles: 10 inputs x 6 outputs on 4-row arrays of 4 differential weight columns (8
// physical columns): 3 row tiles x 2 column tiles. Expectations derived by hand from the
// mapping (tiles row-major over (row tile, column tile); array rows = inputs; cell index =
// (2 x weight column + device) x rows + row).
#include "arch/weight_access.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "arch/chip.hpp"
#include "core/params.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace weight_access_sim {
namespace {

const std::vector<int> kWidths = {10, 6};

std::string chip_yaml(const std::string& device) {
  return "device: " + device +
         "\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 4, cols: 8, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  backward_dac: {impl: bit_serial, bits: 4, signed: true, read_pulse: 10 ns}\n"
         "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  adc: {impl: sar, bits: 6, mux_ratio: 4, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 4\n";
}

struct SmallChip {
  SmallChip(const std::string& device, const std::string& name)
      : root(Params::from_string(chip_yaml(device), name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), kWidths)),
        chip(spec, ledger, 1, name.c_str()) {
    chip.declare_phases({Phase::kProgramming, Phase::kUpdate});
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

// Exact devices (25 uS range) and a PCM card whose every SET pulse adds exactly 0.01 g_max
// (no noise), 100 ns per pulse.
SmallChip& ideal_chip() {
  static SmallChip c("{impl: ideal, g_max: 25 uS, devices_per_weight: 2, pulse_width: 10 ns}", "ideal");
  return c;
}
SmallChip& pcm_chip() {
  static SmallChip c(
      "{impl: pcm, g_max: 25 uS, devices_per_weight: 2, prog_noise_scale: 0.0, energy_per_pulse: 10 pJ, "
      "pulse_width: 100 ns, read_voltage: 0.2 V, read_pulse_width: 10 ns, "
      "set_model: {step: 0.01, exp_A: 0.0, c2c_std: 0.0}}",
      "pcm");
  return c;
}

class WeightAccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {  // every chip elaborated before anything runs
    ideal_chip();
    pcm_chip();
  }
};

TEST_F(WeightAccessTest, WalksTileByTileThenOutputsThenInputs) {
  SmallChip& c = ideal_chip();
  ASSERT_EQ(c.chip.tile_count(), 6u);
  std::vector<std::pair<int, int>> order;
  c.chip.weights().for_each_weight(0, [&](const WeightSite& w) { order.emplace_back(w.output(), w.input()); });
  ASSERT_EQ(order.size(), 60u);
  // Tile (0, 0): outputs 0..3 x inputs 0..3; tile (0, 1): outputs 4, 5 x inputs 0..3; tile
  // (1, 0): outputs 0..3 x inputs 4..7; ... tile (2, 1): outputs 4, 5 x inputs 8, 9.
  std::vector<std::pair<int, int>> expected;
  for (int rt = 0; rt < 3; ++rt) {
    for (int ct = 0; ct < 2; ++ct) {
      for (int o = 4 * ct; o < std::min(4 * ct + 4, 6); ++o) {
        for (int i = 4 * rt; i < std::min(4 * rt + 4, 10); ++i) expected.emplace_back(o, i);
      }
    }
  }
  EXPECT_EQ(order, expected);
}

TEST_F(WeightAccessTest, AWeightIsTheCellOfItsTileRowAndColumn) {
  SmallChip& c = ideal_chip();
  // Weight (output 5, input 9): row tile 9 / 4 = 2 (row 1), column tile 5 / 4 = 1 (weight column
  // 1): tile 2 x 2 + 1 = 5; G+ at (2 x 1 + 0) x 4 + 1 = 9, G- at (2 x 1 + 1) x 4 + 1 = 13.
  const CrossbarArray& array = c.chip.layers()[0].tiles[5]->array();
  int seen = 0;
  c.chip.weights().for_each_weight(0, [&](const WeightSite& w) {
    if (w.output() != 5 || w.input() != 9) return;
    ++seen;
    EXPECT_EQ(&w.device(0), &array.cells()[9]);
    EXPECT_EQ(&w.device(1), &array.cells()[13]);
  });
  EXPECT_EQ(seen, 1);
}

TEST_F(WeightAccessTest, WriteThenReadRoundTrips) {
  SmallChip& c = ideal_chip();
  // w(o, i) = (o - 2.5) / 2.5 x (i + 1) / 10, in [-1, 1]; exact devices hold G+ - G- = w x 25 uS.
  Eigen::MatrixXf w(6, 10);
  for (int o = 0; o < 6; ++o) {
    for (int i = 0; i < 10; ++i) w(o, i) = static_cast<float>((o - 2.5) / 2.5 * (i + 1) / 10.0);
  }
  c.chip.write_weights({w}, Phase::kProgramming, false, devices::ProgramOptions{});
  Eigen::MatrixXf held;
  c.chip.weights().effective_conductances(0, held);
  ASSERT_EQ(held.rows(), 6);
  ASSERT_EQ(held.cols(), 10);
  int visited = 0;
  c.chip.weights().for_each_weight(0, [&](const WeightSite& s) {
    const float expected = w(s.output(), s.input()) * 25e-6F;
    EXPECT_NEAR(s.device(0).g - s.device(1).g, expected, 1e-12);
    EXPECT_EQ(s.device(0).g == 0.0F || s.device(1).g == 0.0F, true);  // one side of the pair at G_min
    EXPECT_NEAR(held(s.output(), s.input()), expected, 1e-12);
    ++visited;
  });
  EXPECT_EQ(visited, 60);

  // Programming requests by weight: G+ of (5, 9) to 20 uS (group 1), G- of (0, 0) to 5 uS
  // (group 0): two tiles, one operation each, the other devices untouched.
  WeightAccess& wa = c.chip.weights();
  wa.clear();
  wa.for_each_weight(0, [&](const WeightSite& s) {
    if (s.output() == 5 && s.input() == 9) wa.program(s, 0, 20e-6F, 1);
    if (s.output() == 0 && s.input() == 0) wa.program(s, 1, 5e-6F, 0);
  });
  const std::vector<devices::ProgramOptions> groups(2);
  const ProgramReport r = wa.issue_programs(groups, Phase::kUpdate);
  EXPECT_EQ(r.tally.program_events, 2u);
  wa.for_each_weight(0, [&](const WeightSite& s) {
    if (s.output() == 5 && s.input() == 9) {
      EXPECT_FLOAT_EQ(s.device(0).g, 20e-6F);
    } else if (s.output() == 0 && s.input() == 0) {
      EXPECT_FLOAT_EQ(s.device(1).g, 5e-6F);
    } else {
      EXPECT_NEAR(s.device(0).g - s.device(1).g, w(s.output(), s.input()) * 25e-6F, 1e-12);
    }
  });
  // w(5, 9) = 1 (G+ 25 uS, G- 0) and w(0, 0) = -0.1 (G+ 0, G- 2.5 uS) before.
  wa.effective_conductances(0, held);
  EXPECT_NEAR(held(5, 9), 20e-6, 1e-12);
  EXPECT_NEAR(held(0, 0), -5e-6, 1e-12);
}

TEST_F(WeightAccessTest, PulsesOfATileGoInOneTileOperation) {
  SmallChip& c = pcm_chip();
  c.chip.write_weights({Eigen::MatrixXf::Zero(6, 10)}, Phase::kProgramming, false, devices::ProgramOptions{});
  WeightAccess& wa = c.chip.weights();
  wa.clear();
  // Tile 0 (inputs 0..3, outputs 0..3): 3 pulses on G+ of (0, 0), 2 on G- of (3, 2), and one
  // verify read; tile 5: 1 pulse on G+ of (5, 9).
  wa.for_each_weight(0, [&](const WeightSite& s) {
    if (s.output() == 0 && s.input() == 0) {
      wa.pulse(s, 0, 3);
      wa.count_verify_reads(s);
    }
    if (s.output() == 3 && s.input() == 2) wa.pulse(s, 1, 2);
    if (s.output() == 5 && s.input() == 9) wa.pulse(s, 0, 1);
  });
  const double energy_before = c.ledger.energy_J("update");
  const ProgramReport r = wa.issue_pulses(Phase::kUpdate);
  EXPECT_EQ(r.tally.pulses, 6u);
  EXPECT_EQ(r.tally.program_events, 3u);
  EXPECT_EQ(r.tally.verify_reads, 1u);
  // Tiles pulse in parallel, each its batch serially: the slowest is tile 0 with its 5 pulses
  // (100 ns each) and its verify read (10 ns) in one operation; an operation per weight would
  // end after 3 pulses.
  EXPECT_NEAR(r.time_s, 5 * 100e-9 + 10e-9, 1e-15);
  // 6 pulses x 10 pJ and the verify read, charged to the update phase.
  EXPECT_GE(c.ledger.energy_J("update") - energy_before, 6 * 10e-12);
  // Each SET pulse adds 0.01 g_max = 0.25 uS.
  wa.for_each_weight(0, [&](const WeightSite& s) {
    float plus = 0.0F, minus = 0.0F;
    if (s.output() == 0 && s.input() == 0) plus = 0.75e-6F;
    if (s.output() == 3 && s.input() == 2) minus = 0.5e-6F;
    if (s.output() == 5 && s.input() == 9) plus = 0.25e-6F;
    EXPECT_NEAR(s.device(0).g, plus, 1e-12) << s.output() << ", " << s.input();
    EXPECT_NEAR(s.device(1).g, minus, 1e-12) << s.output() << ", " << s.input();
  });
  // Issued requests are gone: a second issue does nothing.
  EXPECT_EQ(wa.issue_pulses(Phase::kUpdate).tally.pulses, 0u);
}

}  // namespace
}  // namespace weight_access_sim
}  // namespace xbarsim::arch
