// SystemC tests of global drift compensation (Joshi et al., Nat. Commun. 11, 2473 (2020);
// aihwkit GlobalDriftCompensation; docs/devices/pcm.md): the compensated output equals the
// undrifted one when every device drifts with the same exponent, the readouts' reads are
// counted and charged (count x energy per action) with totals equal to the sum of their parts,
// a readout through the ADC stays within its quantization bound of the exact one, the scale of
// a tile of known statistics matches its expectation within sampling error, and nothing changes
// when the compensation is off. One process: every chip is elaborated before the first
// simulation (SetUpTestSuite).
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "devices/pcm.hpp"
#include "sim/sim_support.hpp"
#include "workloads/energy_summary.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace drift_compensation_sim {
namespace {

// `rows` x `cols` arrays, 4-bit bit-serial DAC (10 ns read pulse = 10 cycles at 1 GHz), ADC
// card `adc`, 24-bit shift-add; `extra` adds arch keys (drift_compensation, times ...).
std::string chip_yaml(const std::string& device, int rows, int cols, const std::string& adc, const std::string& extra) {
  return "device: " + device +
         "\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: " +
         std::to_string(rows) + ", cols: " + std::to_string(cols) +
         ", cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  adc: " +
         adc +
         "\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 16\n" +
         extra;
}

// Every device drifts with nu = |N(0.06, 0)| = 0.06 exactly; no programming or read noise. All
// read at 0.5 V (the DACs drive the rows at the device's read voltage).
const std::string kPcmCommonNu =
    "{impl: pcm, prog_noise_scale: 0, read_noise_scale: 0, drift_mu: [0, 0.06, 0.06, 0.06], "
    "drift_sigma: [0, 0, 0, 0], read_voltage: 0.5 V}";
const std::string kPcm = "{impl: pcm, read_voltage: 0.5 V}";  // the Joshi/aihwkit statistics
const std::string kPcmNoReadNoise = "{impl: pcm, read_noise_scale: 0, read_voltage: 0.5 V}";  // drift, prog. noise
const std::string kIdealAdc = "{impl: ideal, signed: true}";
const std::string kSar6 = "{impl: sar, bits: 6, mux_ratio: 2, signed: true}";

struct TestChip {
  TestChip(const std::string& yaml, std::vector<int> widths, const std::string& name, float bias_scale = 0.0F)
      : root(Params::from_string(yaml, name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), widths)),
        chip(spec, ledger, 7, name.c_str()) {
    Rng rng(11);
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
      Eigen::MatrixXf w(widths[l + 1], widths[l]);
      for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = static_cast<float>(rng.normal());
      weights.push_back(w);
      Eigen::VectorXf b(widths[l + 1]);
      for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = bias_scale * static_cast<float>(rng.normal());
      biases.push_back(b);
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

// One layer 24 -> 12 on 16 x 16 arrays (8 differential weight columns): row tiles of 16 and 8
// rows, column tiles of 8 and 4 columns, 4 tiles whose partial sums add digitally.
const std::vector<int> kExactWidths = {24, 12};
const char* kAt1s = "  read_time_after_programming: 1 s\n";
const char* kAt2000s = "  read_time_after_programming: 2000 s\n  calibrate_at: programming\n";

TestChip& compensated() {  // global, reference at 1 s, inference at 2000 s
  static TestChip c(
      chip_yaml(kPcmCommonNu, 16, 16, kIdealAdc, std::string(kAt2000s) + "  drift_compensation: global\n"),
      kExactWidths, "compensated", 0.5F);
  return c;
}
TestChip& undrifted() {  // none, read at 1 s (t <= t0: no drift)
  static TestChip c(chip_yaml(kPcmCommonNu, 16, 16, kIdealAdc, kAt1s), kExactWidths, "undrifted", 0.5F);
  return c;
}
TestChip& drifted() {  // none, read at 2000 s
  static TestChip c(chip_yaml(kPcmCommonNu, 16, 16, kIdealAdc, kAt2000s), kExactWidths, "drifted", 0.5F);
  return c;
}

// Layers 6 -> 5 -> 3 on 4 x 4 arrays (2 weight columns), 6-bit SAR ADCs shared by 2 columns.
// Layer 6 -> 5: row tiles of 4 and 2 rows x column tiles of 2, 2 and 1 columns (6 tiles);
// layer 5 -> 3: row tiles of 4 and 1 rows x column tiles of 2 and 1 columns (4 tiles).
const std::vector<int> kSmallWidths = {6, 5, 3};
const char* kAtOneDay = "  read_time_after_programming: 86400 s\n  calibrate_at: programming\n";
TestChip& accounted() {
  static TestChip c(chip_yaml(kPcm, 4, 4, kSar6, std::string(kAtOneDay) + "  drift_compensation: global\n"),
                    kSmallWidths, "accounted");
  return c;
}
TestChip& per_layer() {
  static TestChip c(chip_yaml(kPcm, 4, 4, kSar6, std::string(kAtOneDay) + "  drift_compensation: global_per_layer\n"),
                    kSmallWidths, "per_layer");
  return c;
}
TestChip& off() {
  static TestChip c(chip_yaml(kPcm, 4, 4, kSar6, kAtOneDay), kSmallWidths, "off");
  return c;
}
// One tile: 64 -> 32 on a 64 x 64 array (2048 weights), ideal ADC, no read noise.
TestChip& statistics() {
  static TestChip c(chip_yaml(kPcmNoReadNoise, 64, 64, kIdealAdc,
                              "  read_time_after_programming: 86400 s\n  drift_compensation: global\n"),
                    {64, 32}, "statistics");
  return c;
}

class DriftCompensationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    compensated();
    undrifted();
    drifted();
    accounted();
    per_layer();
    off();
    statistics();
  }
};

// Sum of the counts of `action` on components under `phase` ending in `suffix`.
std::uint64_t count_of(const Ledger& ledger, const std::string& phase, const std::string& suffix,
                       const std::string& action) {
  std::uint64_t n = 0;
  for (const auto& r : ledger.energy_rows()) {
    const std::string& c = r.action->component;
    if (r.action->action == action && component_under(c, phase) && c.ends_with(suffix)) n += r.count;
  }
  return n;
}

using simtest::expect_energy_identity;

// Keys, defaults and config errors (no chip: runs before any simulation, see below).
TEST(DriftCompensationSpec, KeysDefaultsAndErrors) {
  const auto spec = [](const std::string& extra) {
    const Params root = Params::from_string(chip_yaml(kPcm, 8, 8, kSar6, extra), "spec.yaml");
    return ChipSpec::from_params(root.child("arch"), root.child("device"), {8, 4});
  };
  const ChipSpec d = spec("");
  EXPECT_EQ(d.drift_compensation, ChipSpec::DriftCompensation::kNone);
  EXPECT_DOUBLE_EQ(d.reference_read_time, 1.0);
  EXPECT_DOUBLE_EQ(d.time_since_programming, 1.0);
  EXPECT_FALSE(d.calibrate_at_programming);
  const ChipSpec g =
      spec("  read_time_after_programming: 3600 s\n  drift_compensation: global\n  calibrate_at: programming\n");
  EXPECT_EQ(g.drift_compensation, ChipSpec::DriftCompensation::kPerTile);
  EXPECT_TRUE(g.calibrate_at_programming);
  ASSERT_NE(g.drift_adc, nullptr);
  // One row at the DAC's 0.5 V through a weight of 1 (G+ - G- = 25 uS): 12.5 uA.
  EXPECT_NEAR(g.drift_adc->input_max(), 12.5e-6, 1e-15);
  EXPECT_DOUBLE_EQ(g.drift_scale_energy, 24 * g.shift_add->energy_per_op().value);
  EXPECT_EQ(spec("  drift_compensation: global_per_layer\n").drift_compensation,
            ChipSpec::DriftCompensation::kPerLayer);
  // The reference read cannot come after the inference read (checked where it is used: a read
  // time below the 1 s default stays valid without the compensation).
  EXPECT_THROW(spec("  reference_read_time: 2 s\n  calibrate_at: programming\n"), ConfigError);
  EXPECT_THROW(spec("  read_time_after_programming: 0.5 s\n  drift_compensation: global\n"), ConfigError);
  EXPECT_DOUBLE_EQ(spec("  read_time_after_programming: 0.5 s\n").time_since_programming, 0.5);
  EXPECT_THROW(spec("  drift_compensation: local\n"), ConfigError);
  EXPECT_THROW(spec("  calibrate_at: never\n"), ConfigError);
  // Not on a training chip (the same chip without the key is fine).
  const std::string training =
      "  backward_dac: {impl: bit_serial, bits: 4, signed: true, read_pulse: 10 ns}\n"
      "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n";
  EXPECT_TRUE(spec(training).trainable());
  try {
    spec(training + "  drift_compensation: global\n");
    ADD_FAILURE() << "a training chip accepted drift_compensation: global";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("drift_compensation"), std::string::npos) << e.what();
  }
}

// Misuse throws std::logic_error. Under ASan these run first, before any simulation: an
// exception thrown once SystemC's coroutines have switched stacks trips a false report
// (google/sanitizers#189, docs/architecture.md), so the later tests check the state instead.
TEST_F(DriftCompensationTest, MisuseThrowsBeforeAnySimulation) {
  TestChip& n = off();
  EXPECT_THROW(n.chip.read_drift_reference(), std::logic_error);
  EXPECT_THROW(n.chip.compensate_drift(), std::logic_error);
  TestChip& c = accounted();
  EXPECT_FALSE(c.chip.has_drift_reference());
  EXPECT_THROW(c.chip.compensate_drift(), std::logic_error);  // no reference read yet
}

TEST_F(DriftCompensationTest, CompensatedOutputEqualsTheUndriftedOneWhenEveryNuIsEqual) {
  // Every device: G(t) = G_prog ((t + t0) / t0)^-nu with nu = 0.06, t0 = 20 s (aihwkit). The
  // reference is read at 1 s (G_prog (21/20)^-0.06), the inference at 2000 s (G_prog
  // (2020/20)^-0.06): every G+ - G- and every column current shrinks by (2020/21)^-0.06 =
  // e^-0.27397 = 0.76040 between them; the ideal ADC passes the currents through, so each tile's
  // readout sum |I| shrinks by the same factor and its scale is alpha = (2020/21)^0.06 =
  // 1.31519. The compensated logits alpha x (shrunk currents) + b are then those of the 1 s
  // reads (float rounding only: 1e-5 relative); uncompensated, (logits - b) shrink by 1 / alpha.
  const double alpha = std::pow(2020.0 / 21.0, 0.06);
  EXPECT_NEAR(alpha, 1.31519, 1e-5);
  TestChip& e = compensated();
  TestChip& u = undrifted();
  TestChip& d = drifted();
  for (TestChip* c : {&e, &u, &d}) {
    c->chip.program(c->weights, c->biases);
    c->chip.calibrate(c->images.leftCols(16), 8);
  }
  e.chip.read_drift_reference();
  e.chip.compensate_drift();
  ASSERT_EQ(e.chip.drift_report().scale.size(), 4u);
  for (double s : e.chip.drift_report().scale) EXPECT_NEAR(s, alpha, 1e-5 * alpha);

  const Eigen::MatrixXf le = e.chip.infer(e.images, 8, nullptr).logits;
  const Eigen::MatrixXf lu = u.chip.infer(u.images, 8, nullptr).logits;
  const Eigen::MatrixXf ld = d.chip.infer(d.images, 8, nullptr).logits;
  const float scale = lu.cwiseAbs().maxCoeff();
  ASSERT_GT(scale, 0.0F);
  EXPECT_LE((le - lu).cwiseAbs().maxCoeff(), 1e-5F * scale);
  const Eigen::MatrixXf bu = lu.colwise() - u.biases[0];
  const Eigen::MatrixXf bd = ld.colwise() - d.biases[0];
  EXPECT_LE((bd * static_cast<float>(alpha) - bu).cwiseAbs().maxCoeff(), 1e-5F * scale);
  // Drift did change the uncompensated output (by 1 - 1/alpha = 24 % of its size).
  EXPECT_GT((ld - lu).cwiseAbs().maxCoeff(), 0.1F * bu.cwiseAbs().maxCoeff());
  // The software view of the held weights includes the scale.
  EXPECT_LE((e.chip.held_weights()[0] - u.chip.held_weights()[0]).cwiseAbs().maxCoeff(),
            1e-5F * u.weights[0].cwiseAbs().maxCoeff());
}

TEST_F(DriftCompensationTest, ReadoutsAreCountedAndChargedPerAction) {
  TestChip& c = accounted();
  c.chip.program(c.weights, c.biases);
  c.chip.calibrate(c.images.leftCols(16), 8);
  const auto cycles = [](int rows) { return rows * 25; };  // per vector: 1 x (10 + 2 x 7) + 1
  struct Readout {
    std::string name;
    void (Chip::*run)();
  };
  for (const Readout& p : {Readout{std::string(name(Phase::kDriftReference)), &Chip::read_drift_reference},
                           Readout{std::string(name(Phase::kDriftCompensation)), &Chip::compensate_drift}}) {
    SCOPED_TRACE(p.name);
    const auto delta = [&](const char* suffix, const char* action, auto&& run) {
      const std::uint64_t before = count_of(c.ledger, p.name, suffix, action);
      run();
      return count_of(c.ledger, p.name, suffix, action) - before;
    };
    const std::uint64_t dac0 = count_of(c.ledger, p.name, "/dac", "conversion");
    const std::uint64_t adc0 = count_of(c.ledger, p.name, "/adc", "conversion");
    const std::uint64_t add0 = count_of(c.ledger, p.name, "/shift_add", "add");
    const std::uint64_t line0 = count_of(c.ledger, p.name, "/array", "line_charge");
    const std::uint64_t column = delta("/adc", "column_1nS", [&] { (c.chip.*p.run)(); });
    // The SAR (NeuroSim fit) charges the column current itself: the array charges no cell current.
    // Differential pairs, every column converted: no cell current left for the array.
    EXPECT_EQ(count_of(c.ledger, p.name, "/array", "read_1nS"), 0u);
    // One driven row per vector: 3 x 4 + 3 x 2 + 2 x 4 + 2 x 1 = 28 row-line charges.
    EXPECT_EQ(count_of(c.ledger, p.name, "/array", "line_charge") - line0, 28u);
    // One vector per active row (the identity): DAC conversions = sum over tiles of rows^2 =
    // layer 0: 3 x 16 + 3 x 4 = 60, layer 1: 2 x 16 + 2 x 1 = 34 -> 94.
    EXPECT_EQ(count_of(c.ledger, p.name, "/dac", "conversion") - dac0, 94u);
    // ADC: ceil(cols / 2) = 1 group x mux 2 per vector: 2 x (sum of rows) = 2 x (3 x 4 + 3 x 2)
    // + 2 x (2 x 4 + 2 x 1) = 36 + 20 = 56.
    EXPECT_EQ(count_of(c.ledger, p.name, "/adc", "conversion") - adc0, 56u);
    // Shift-add (the |I| accumulation): active cols x vectors = 4 (2 + 2 + 1) + 2 (2 + 2 + 1) +
    // 4 (2 + 1) + 1 (2 + 1) = 45.
    EXPECT_EQ(count_of(c.ledger, p.name, "/shift_add", "add") - add0, 45u);
    // ADC column term: each conversion of a one-row read sees one pair, G+ + G- of row i and
    // column j; per tile round(sum over active (i, j) of (G_ij / 1 nS)^p), p = -k / ln 10 of the
    // 22 nm fit; the tile's float sum may round the other way: +-1 per tile, 10 tiles.
    const double p_exp = c.spec.adc->column_term()->exponent;
    EXPECT_NEAR(p_exp, 2.311 / std::log(10.0), 1e-12);
    double units = 0.0;
    for (const auto& l : c.chip.layers()) {
      for (std::size_t k = 0; k < l.tiles.size(); ++k) {
        const auto& s = l.mapping.tiles[k];
        const Eigen::MatrixXf g = l.tiles[k]->array().sense().block(0, 0, s.rows, s.cols);
        units += std::round((g.cast<double>().array() / 1e-9).pow(p_exp).sum());
      }
    }
    EXPECT_NEAR(static_cast<double>(column), units, 10.0);
    // The readout ADC is the same card: the same energy per conversion as the layers' ADCs.
    for (const auto& r : c.ledger.energy_rows()) {
      if (component_under(r.action->component, p.name) && r.action->component.ends_with("/adc") &&
          r.action->action == "conversion") {
        EXPECT_DOUBLE_EQ(r.action->energy_per_action_J, c.spec.adc->energy_per_conversion().value);
      }
    }
    expect_energy_identity(c.ledger, p.name);
  }
  // Tiles read in parallel: the slowest holds 4 rows, 4 vectors x 25 cycles at 1 GHz.
  EXPECT_NEAR(c.chip.drift_report().reference_time_s, cycles(4) * 1e-9, 1e-15);
  EXPECT_NEAR(c.chip.drift_report().now_time_s, cycles(4) * 1e-9, 1e-15);
  // Each tile's scale is its own ratio. One day of drift shrinks the readouts: for the whole
  // chip (45 weights) the ratio lies between 1 / E[(86400 / 20)^-nu] for the smallest mean nu
  // (0.049: 1.50) and the largest (0.1: 2.3); 1.3 and 2.3 allow for the 6-bit readout.
  const DriftReport& d = c.chip.drift_report();
  ASSERT_EQ(d.scale.size(), c.chip.tile_count());
  double ref = 0.0, now = 0.0;
  for (std::size_t i = 0; i < d.scale.size(); ++i) {
    EXPECT_DOUBLE_EQ(d.scale[i], devices::GlobalDriftReadout{}.compensation_scale(d.reference[i], d.now[i]));
    ref += d.reference[i];
    now += d.now[i];
  }
  for (std::size_t l = 0; l < c.chip.layers().size(); ++l) {
    for (std::size_t k = 0; k < c.chip.layers()[l].tiles.size(); ++k) {
      EXPECT_FLOAT_EQ(c.chip.layers()[l].tiles[k]->drift_scale(), static_cast<float>(d.scale[c.chip.tile_index(l, k)]));
    }
  }
  EXPECT_GT(ref / now, 1.3);
  EXPECT_LT(ref / now, 2.3);
  // Inference: one digital multiply per tile output and image, 24 shift-add operations each:
  // layer 0: 2 row tiles x 5 outputs, layer 1: 2 row tiles x 3 outputs -> 16 per image.
  const std::uint64_t before = count_of(c.ledger, "inference", "/drift_scale", "multiply");
  c.chip.infer(c.images, 7, nullptr);
  EXPECT_EQ(count_of(c.ledger, "inference", "/drift_scale", "multiply") - before, 16u * 40u);
  for (const auto& r : c.ledger.energy_rows()) {
    if (r.action->component.ends_with("/drift_scale")) {
      EXPECT_DOUBLE_EQ(r.action->energy_per_action_J, 24 * c.spec.shift_add->energy_per_op().value);
    }
  }
  expect_energy_identity(c.ledger, "inference");
}

TEST_F(DriftCompensationTest, ReadoutThroughTheAdcIsWithinItsQuantizationBound) {
  // Readout r = sum |Q(I_ij)| over the n active cells of a tile, I_ij = V_read G_eff,ij (one
  // row driven at 1). The ADC rounds to the nearest level inside [-R, R], R = V_read G_unit =
  // 0.5 V x 25 uS = 12.5 uA: |Q(I) - clamp(I)| <= LSB / 2, so |r - sum |clamp(I)|| <= n LSB / 2
  // (LSB = 2 R / 63 for 6 bits). The conductances are those of the read itself (the array keeps
  // the last read's draw).
  TestChip& c = accounted();
  c.chip.program(c.weights, c.biases);
  const periphery::Adc& adc = *c.spec.drift_adc;
  EXPECT_NEAR(adc.input_max(), 12.5e-6, 1e-15);
  EXPECT_NEAR(adc.input_min(), -12.5e-6, 1e-15);
  const auto exact = [&](std::vector<double>& r, std::vector<double>& bound) {
    r.clear();
    bound.clear();
    for (const auto& l : c.chip.layers()) {
      for (std::size_t k = 0; k < l.tiles.size(); ++k) {
        const TileSlice& s = l.mapping.tiles[k];
        const Eigen::MatrixXf& g = l.tiles[k]->array().effective();
        double sum = 0.0;
        for (int j = 0; j < s.cols; ++j) {
          for (int i = 0; i < s.rows; ++i) {
            sum += std::abs(std::clamp(0.5 * g(i, j), adc.input_min(), adc.input_max()));
          }
        }
        r.push_back(sum);
        bound.push_back(s.rows * s.cols * adc.lsb() / 2 + 1e-6 * sum);
      }
    }
  };
  std::vector<double> r_ref, b_ref, r_now, b_now;
  c.chip.read_drift_reference();
  exact(r_ref, b_ref);
  c.chip.compensate_drift();
  exact(r_now, b_now);
  const DriftReport& d = c.chip.drift_report();
  for (std::size_t i = 0; i < d.scale.size(); ++i) {
    EXPECT_NEAR(d.reference[i], r_ref[i], b_ref[i]);
    EXPECT_NEAR(d.now[i], r_now[i], b_now[i]);
  }
}

TEST_F(DriftCompensationTest, ScaleOfATileOfKnownStatisticsMatchesItsExpectation) {
  // 2048 weights all at +1: G+ targets g_max = 25 uS (programming sd s1 = 0.26348 + 1.9650 -
  // 1.1731 = 1.0554 uS, nu+ ~ |N(0.049, 0.008)|: mu, sigma clamped at their minimum at u = 1),
  // G- targets 0 (G- = max(0.26348 uS N, 0), mean 0.26348 / sqrt(2 pi) = 0.10511 uS, nu- ~
  // |N(0.1, 0.045)|: clamped at their maximum for u -> 0). No read noise, ideal ADC. With
  // L = ln(86400 / 20) = 8.37101 and f = e^{-nu L}:
  //   E[f+] = e^{-0.049 L + (0.008 L)^2 / 2} = 0.665021,
  //   E[f-] = folded-normal E[e^{-L |N(0.1, 0.045)|}] = 0.461295,
  //   alpha -> (25 - 0.10511) / (25 x 0.665021 - 0.10511 x 0.461295) = 1.50177.
  // Sampling sd of the ratio over n = 2048 weights (delta method, programming noise in both
  // sums, drift spread 6.7 % per device): 0.00224 (a Monte Carlo of the same model: 1.50154 +-
  // 0.00224 over 100 tiles). Tolerance: 5 sd.
  TestChip& c = statistics();
  std::vector<Eigen::MatrixXf> w = {Eigen::MatrixXf::Ones(32, 64)};
  std::vector<Eigen::VectorXf> b = {Eigen::VectorXf::Zero(32)};
  c.chip.program(w, b);
  c.chip.read_drift_reference();
  c.chip.compensate_drift();
  ASSERT_EQ(c.chip.drift_report().scale.size(), 1u);
  EXPECT_NEAR(c.chip.drift_report().scale[0], 1.50177, 5 * 0.00224);
}

TEST_F(DriftCompensationTest, PerLayerModeSharesOneScaleAndAddsNoOperation) {
  TestChip& c = per_layer();
  c.chip.program(c.weights, c.biases);
  c.chip.calibrate(c.images.leftCols(16), 8);
  c.chip.read_drift_reference();
  c.chip.compensate_drift();
  const DriftReport& d = c.chip.drift_report();
  for (std::size_t l = 0; l < c.chip.layers().size(); ++l) {
    double ref = 0.0, now = 0.0;
    for (std::size_t k = 0; k < c.chip.layers()[l].tiles.size(); ++k) {
      ref += d.reference[c.chip.tile_index(l, k)];
      now += d.now[c.chip.tile_index(l, k)];
    }
    for (std::size_t k = 0; k < c.chip.layers()[l].tiles.size(); ++k) {
      EXPECT_DOUBLE_EQ(d.scale[c.chip.tile_index(l, k)], ref / now);
      EXPECT_FLOAT_EQ(c.chip.layers()[l].tiles[k]->drift_scale(), static_cast<float>(ref / now));
    }
  }
  c.chip.infer(c.images, 7, nullptr);
  for (const auto& r : c.ledger.energy_rows()) EXPECT_FALSE(r.action->component.ends_with("/drift_scale"));
  EXPECT_EQ(c.spec.drift_scale_energy, 0.0);
}

TEST_F(DriftCompensationTest, OffByDefaultAndNeedsAReferenceSinceTheLastProgramming) {
  TestChip& n = off();
  EXPECT_EQ(n.spec.drift_compensation, ChipSpec::DriftCompensation::kNone);
  EXPECT_EQ(n.spec.drift_adc, nullptr);
  n.chip.program(n.weights, n.biases);
  n.chip.calibrate(n.images.leftCols(16), 8);
  EXPECT_FALSE(n.chip.has_drift_reference());
  n.chip.infer(n.images, 7, nullptr);
  for (const auto& r : n.ledger.energy_rows()) {
    EXPECT_FALSE(component_under(r.action->component, name(Phase::kDriftReference)));
    EXPECT_FALSE(component_under(r.action->component, name(Phase::kDriftCompensation)));
    EXPECT_FALSE(r.action->component.ends_with("/drift_scale"));
  }
  for (const auto& l : n.chip.layers()) {
    for (const Tile* t : l.tiles) EXPECT_EQ(t->drift_scale(), 1.0F);
  }
  // Programming again invalidates the reference (and resets the scales).
  TestChip& c = accounted();
  c.chip.program(c.weights, c.biases);
  c.chip.read_drift_reference();
  c.chip.compensate_drift();
  EXPECT_TRUE(c.chip.has_drift_reference());
  c.chip.program(c.weights, c.biases);
  EXPECT_FALSE(c.chip.has_drift_reference());
  for (const auto& l : c.chip.layers()) {
    for (const Tile* t : l.tiles) EXPECT_EQ(t->drift_scale(), 1.0F);
  }
}

}  // namespace
}  // namespace drift_compensation_sim
}  // namespace xbarsim::arch
