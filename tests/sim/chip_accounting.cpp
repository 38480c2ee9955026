// SystemC tests of the chip (one process, one simulation: every chip is elaborated before the
// first sc_start). Checks the energy identity, the ADC conversion count formula on 4 x 4 and
// 128 x 128 tiles, a tile operation's latency against the hand formula, the pipeline's
// throughput against its slowest stage, and how tile count, ADC count and area follow the
// array size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "arch/module_path.hpp"
#include "core/params.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace chip_accounting_sim {
namespace {

// Ideal continuous device, 0..25 uS, differential pairs (two physical columns per weight).
// DAC: 4-bit bit-serial (4 planes), 10 ns read pulse at 1 GHz (10 cycles).
// ADC: 6-bit SAR, latency bits + 1 = 7 cycles, `mux` columns per ADC.
std::string chip_yaml(int rows, int cols, int mux, const std::string& adc_extra = "") {
  return "device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 2, pulse_width: 10 ns, "
         "read_voltage: 0.5 V}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: " +
         std::to_string(rows) + ", cols: " + std::to_string(cols) +
         ", cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  adc: {impl: sar, bits: 6, mux_ratio: " +
         std::to_string(mux) + adc_extra +
         ", signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 16\n";
}

struct TestChip {
  TestChip(int rows, int cols, int mux, std::vector<int> widths, const std::string& name,
           const std::string& adc_extra = "")
      : root(Params::from_string(chip_yaml(rows, cols, mux, adc_extra), name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), widths)),
        chip(spec, ledger, 7, name.c_str()) {
    Rng rng(11);
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
      Eigen::MatrixXf w(widths[l + 1], widths[l]);
      for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = static_cast<float>(rng.normal());
      weights.push_back(w);
      biases.push_back(Eigen::VectorXf::Zero(widths[l + 1]));
    }
    images.resize(widths.front(), 40);
    for (Eigen::Index i = 0; i < images.size(); ++i) images(i) = static_cast<float>(rng.uniform());
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
  std::vector<Eigen::MatrixXf> weights;
  std::vector<Eigen::VectorXf> biases;
  Eigen::MatrixXf images;
};

// Elaborated before any simulation starts (static storage, first use in the first test).
TestChip& small() {
  static TestChip c(4, 4, 2, {6, 5, 3}, "small");
  return c;
}
TestChip& large() {
  static TestChip c(128, 128, 8, {300, 70}, "large");
  return c;
}
// `large` with sample-and-hold converters.
TestChip& large_sample_hold() {
  static TestChip c(128, 128, 8, {300, 70}, "large_sh", ", sample_and_hold: true");
  return c;
}
TestChip& chip64() {
  static TestChip c(64, 64, 8, {784, 256, 128, 64, 10}, "a64");
  return c;
}
TestChip& chip256() {
  static TestChip c(256, 256, 8, {784, 256, 128, 64, 10}, "a256");
  return c;
}

class ChipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Elaborate every chip before the first sc_start of the process.
    small();
    large();
    large_sample_hold();
    chip64();
    chip256();
  }
};

// ADC conversions charged under `phase` (rows whose component ends in "/adc").
std::uint64_t adc_conversions(const Ledger& ledger, const std::string& phase) {
  std::uint64_t n = 0;
  for (const auto& r : ledger.energy_rows()) {
    const std::string& c = r.action->component;
    if (r.action->action == "conversion" && component_under(c, phase) && c.ends_with("/adc")) n += r.count;
  }
  return n;
}

TEST_F(ChipTest, AdcConversionsFollowTheFormulaOn4x4Tiles) {
  TestChip& c = small();
  c.chip.program(c.weights, c.biases);
  c.chip.calibrate(c.images.leftCols(16), 8);
  const std::uint64_t before = adc_conversions(c.ledger, "inference");
  c.chip.infer(c.images, 7, nullptr);
  // Layer 6 -> 5 on 4 x 4 differential arrays (2 weight columns): row tiles of 4 and 2 rows,
  // column tiles of 2, 2 and 1 columns; column groups ceil(cols / 2) = 1 each: 2 x 3 = 6.
  // Layer 5 -> 3: row tiles 4 and 1, column tiles 2 and 1: 2 x 2 = 4 groups.
  // Conversions = groups x mux ratio 2 x 4 planes x 40 images = (6 + 4) x 2 x 4 x 40 = 3200.
  EXPECT_EQ(adc_conversions(c.ledger, "inference") - before, 3200u);
}

TEST_F(ChipTest, AdcConversionsFollowTheFormulaOn128x128Tiles) {
  TestChip& c = large();
  c.chip.program(c.weights, c.biases);
  c.chip.calibrate(c.images.leftCols(16), 16);
  c.chip.infer(c.images, 40, nullptr);
  // 300 -> 70 on 128 x 128 differential arrays: 3 row tiles x (ceil(64/8) + ceil(6/8)) = 27
  // column groups; conversions = 27 x 8 x 4 planes x 40 images = 34560.
  EXPECT_EQ(adc_conversions(c.ledger, "inference"), 34560u);
}

TEST_F(ChipTest, EnergyTotalEqualsSumOverComponentsAndOverLayers) {
  TestChip& c = large();
  const double total = c.ledger.energy_J("inference");
  ASSERT_GT(total, 0.0);
  // Over layers (and the shared buffer), and over the component tree.
  const double by_layer = c.ledger.energy_J("inference/layer0") + c.ledger.energy_J("inference/buffer");
  EXPECT_NEAR(by_layer, total, 1e-12 * total);
  double by_rows = 0.0;
  for (const auto& r : c.ledger.energy_rows()) {
    if (component_under(r.action->component, "inference")) {
      EXPECT_DOUBLE_EQ(r.energy_J(), static_cast<double>(r.count) * r.action->energy_per_action_J);
      by_rows += r.energy_J();
    }
  }
  EXPECT_NEAR(by_rows, total, 1e-12 * total);
  const nlohmann::json tree = c.ledger.energy_tree();
  const auto& inf = tree["children"]["inference"];
  double children = 0.0;
  for (const auto& [k, v] : inf["children"].items()) children += v["energy_pJ"].get<double>();
  EXPECT_NEAR(children, inf["energy_pJ"].get<double>(), 1e-9 * children);
  EXPECT_NEAR(inf["energy_pJ"].get<double>(), total * 1e12, 1e-9 * total * 1e12);
}

TEST_F(ChipTest, PartsAreChildModulesOfTheChip) {
  const TestChip& c = small();
  EXPECT_STREQ(c.chip.name(), "small");
  EXPECT_STREQ(c.chip.layers()[1].tiles[0]->name(), "small.layer1.tile0_0");
  EXPECT_STREQ(c.chip.controller().name(), "small.controller");
  EXPECT_EQ(c.chip.get_child_objects().size(), c.chip.layers().size() + 2);  // layers, buffer, controller
  // The ledger path is the module path without the chip's name.
  EXPECT_EQ(ledger_path(*c.chip.layers()[1].tiles[0]), "layer1/tile0_0");
}

TEST_F(ChipTest, EveryTileLedgerComponentIsAChildModuleOfItsTile) {
  TestChip& c = small();
  const Tile& tile = *c.chip.layers()[1].tiles[0];
  std::vector<std::string> parts;
  for (const sc_core::sc_object* child : tile.get_child_objects()) {
    if (dynamic_cast<const sc_core::sc_module*>(child) != nullptr) parts.push_back(ledger_path(*child));
  }
  EXPECT_EQ(parts, (std::vector<std::string>{"layer1/tile0_0/dac", "layer1/tile0_0/array", "layer1/tile0_0/adc",
                                             "layer1/tile0_0/shift_add", "layer1/tile0_0/cells",
                                             "layer1/tile0_0/write_driver", "layer1/tile0_0/drift_scale"}));
  // Each inference action of this tile is declared by one of those modules under its own path.
  int tile_actions = 0;
  for (std::size_t k = 0; k < c.ledger.size(); ++k) {
    const std::string& component = c.ledger.action(static_cast<Ledger::Counter>(k)).component;
    if (!component.starts_with("inference/layer1/tile0_0/")) continue;
    ++tile_actions;
    EXPECT_NE(std::find(parts.begin(), parts.end(), component.substr(std::string("inference/").size())), parts.end())
        << component;
  }
  // dac conversion, array cell current + line charge, adc conversion + clipped + column term,
  // shift-add, cells pulse + verify read, write-driver line charge (no per-tile drift
  // compensation on this chip).
  EXPECT_EQ(tile_actions, 10);
}

TEST_F(ChipTest, TileLatencyMatchesTheHandFormula) {
  TestChip& c = small();
  // planes x (read cycles + mux x ADC cycles) + shift-add: 4 x (10 + 2 x 7) + 1 = 97 cycles.
  EXPECT_EQ(c.chip.layers()[0].tiles[0]->cycles_per_image(4), 97);
  TestChip& l = large();
  // 4 x (10 + 8 x 7) + 1 = 265 cycles.
  EXPECT_EQ(l.chip.layers()[0].tiles[0]->cycles_per_image(4), 265);
  // With sample-and-hold the next plane's read (10) runs under this plane's 8 x 7 = 56 cycles of
  // conversions: 10 + 3 x max(10, 56) + 56 + 1 = 235 cycles.
  EXPECT_EQ(large_sample_hold().chip.layers()[0].tiles[0]->cycles_per_image(4), 235);
}

TEST_F(ChipTest, PipelineThroughputIsSetByTheSlowestStage) {
  TestChip& c = small();
  const InferenceReport r = c.chip.infer(c.images, 7, nullptr);
  ASSERT_EQ(r.stage_cycles.size(), 2u);
  // Per layer and image (docs/arch/timing.md): read the input, 1 word of 256 bits (<= 24 bits):
  // 1 cycle; tiles 97; reduce 2 row tiles with a full tree, ceil(log2 2) = 1 cycle, + 1 for
  // bias/activation; write the outputs, 1 word: 1 cycle. Latency of one image through the empty
  // chip: 2 x (1 + 97 + 2 + 1) = 202 cycles.
  EXPECT_EQ(r.latency_cycles, 202);
  // Each layer's tiles (97 cycles per image) are its slowest resource; the shared one-port
  // buffer works 4 cycles per image. Both layers deliver an image every 97 cycles, and 40
  // images in batches of 7 (one job, one schedule) end 39 x 97 cycles after the first:
  // 202 + 39 x 97 = 3985 cycles (no transfer waits on the first image: each takes 1 cycle and
  // the prefetches of images 1 and 2 end before the first write).
  EXPECT_EQ(r.stage_cycles[0], 97);
  EXPECT_EQ(r.stage_cycles[1], 97);
  EXPECT_EQ(r.total_cycles, 202 + 39 * 97);
}

TEST_F(ChipTest, UnequalStagesRunAtTheSlowestStagesRate) {
  TestChip& c = chip64();
  c.chip.program(c.weights, c.biases);
  c.chip.calibrate(c.images.leftCols(16), 16);
  const InferenceReport r = c.chip.infer(c.images, 16, nullptr);
  // Per layer and image: tiles 4 x (10 + 8 x 7) + 1 = 265 cycles; adder trees over 13, 4, 2, 1
  // row tiles, ceil(log2) = 4, 2, 1, 0 cycles, + 1 for bias/activation; buffer words of 256 bits
  // (4-bit values) in and out: 784 -> 13 and 256 -> 4, 256 -> 4 and 128 -> 2, 128 -> 2 and
  // 64 -> 1, 64 -> 1 and 10 -> 1. One image through the empty chip:
  // (13 + 265 + 5 + 4) + (4 + 265 + 3 + 2) + (2 + 265 + 2 + 1) + (1 + 265 + 1 + 1) = 1099.
  EXPECT_EQ(r.latency_cycles, 1099);
  // In the job the first image waits once: layer 0's write of image 0 becomes ready at
  // 13 + 265 + 5 = 283, but the prefetch of image 2 (ready when the tiles finish image 0, at
  // 278) holds the one port over [278, 291]; the first image leaves at 1099 + 8 = 1107, then one
  // every 265 cycles (every layer runs at the rate of the tiles, the slowest resource).
  EXPECT_EQ(r.stage_cycles, (std::vector<long long>{265, 265, 265, 265}));
  EXPECT_EQ(r.total_cycles, 1107 + 39 * 265);
}

TEST_F(ChipTest, ArraySizeChangesTilesAdcsAndAreaAsMapped) {
  TestChip& a = chip64();
  TestChip& b = chip256();
  // Tile counts from the mapping (tests/unit/arch/mapping_test.cpp): 125 and 11.
  EXPECT_EQ(a.chip.tile_count(), 125u);
  EXPECT_EQ(b.chip.tile_count(), 11u);
  // ADCs per tile ceil(weight columns / 8): 64 x 64 -> 32 / 8 = 4; 256 x 256 -> 128 / 8 = 16.
  EXPECT_EQ(a.chip.adc_count(), 500u);
  EXPECT_EQ(b.chip.adc_count(), 176u);
  a.chip.declare_area();
  b.chip.declare_area();
  // Array area = tiles x rows x cols x 40 F^2, F = 22 nm: 125 x 64 x 64 x 40 x (22e-9)^2 m^2
  // and 11 x 256 x 256 x 40 x (22e-9)^2 m^2.
  const double f2 = 22e-9 * 22e-9;
  EXPECT_NEAR(a.ledger.area_m2("chip/tiles/array"), 125.0 * 64 * 64 * 40 * f2, 1e-6 * 125.0 * 64 * 64 * 40 * f2);
  EXPECT_NEAR(b.ledger.area_m2("chip/tiles/array"), 11.0 * 256 * 256 * 40 * f2, 1e-6 * 11.0 * 256 * 256 * 40 * f2);
  // ADC area scales with the ADC count (same ADC card): 500 / 176.
  EXPECT_NEAR(a.ledger.area_m2("chip/tiles/adc") / b.ledger.area_m2("chip/tiles/adc"), 500.0 / 176.0, 1e-9);
  // DACs: one per row per tile: 125 x 64 vs 11 x 256.
  EXPECT_NEAR(a.ledger.area_m2("chip/tiles/dac") / b.ledger.area_m2("chip/tiles/dac"), 8000.0 / 2816.0, 1e-9);
}

}  // namespace
}  // namespace chip_accounting_sim
}  // namespace xbarsim::arch
