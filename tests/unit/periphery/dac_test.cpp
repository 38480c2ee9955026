// DAC: quantization, exact bit-serial decomposition, multi-bit levels, and the cost face
// against hand-computed values.
#include "periphery/dac.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

std::unique_ptr<Dac> make_dac(const std::string& yaml, const std::string& node = "22nm") {
  const Params root = Params::from_string(yaml, "<test>");
  auto dac = DacRegistry::instance().create(root.child("dac"), TechNode::builtin(node), DacContext{});
  root.check_all_read();
  return dac;
}

TEST(Dac, BitSerialDecompositionIsExactForEveryCode) {
  for (const bool is_signed : {false, true}) {
    auto dac =
        make_dac(std::string("dac: {impl: bit_serial, bits: 8, signed: ") + (is_signed ? "true" : "false") + "}");
    const int m = dac->magnitude_bits();
    EXPECT_EQ(m, is_signed ? 7 : 8);
    EXPECT_EQ(dac->read_cycles(), m);
    std::vector<std::int32_t> codes;
    for (std::int32_t c = is_signed ? -dac->max_code() : 0; c <= dac->max_code(); ++c) {
      codes.push_back(c);
    }
    std::vector<double> sum(codes.size(), 0.0);
    std::vector<float> plane(codes.size());
    for (int b = 0; b < m; ++b) {
      dac->bit_plane(std::span<const std::int32_t>(codes), b, std::span<float>(plane));
      for (std::size_t i = 0; i < codes.size(); ++i) {
        EXPECT_TRUE(plane[i] == 0.0F || plane[i] == 1.0F || plane[i] == -1.0F);
        sum[i] += static_cast<double>(plane[i]) * static_cast<double>(1 << b);
      }
    }
    for (std::size_t i = 0; i < codes.size(); ++i) EXPECT_EQ(sum[i], codes[i]) << codes[i];
  }
}

TEST(Dac, QuantizesRoundingToNearestAndCountsClipping) {
  // 3 bits unsigned, full scale 1: code = round(x * 7) within [0, 7].
  // 0.07*7 = 0.49 -> 0; 0.0715*7 = 0.5005 -> 1; 0.5*7 = 3.5 -> 4 (half up); 1 -> 7;
  // 1.2 -> 7 (clipped); -0.1 -> 0 (clipped: negative into an unsigned DAC).
  auto dac = make_dac("dac: {impl: bit_serial, bits: 3}");
  const std::vector<float> x{0.0F, 0.07F, 0.0715F, 0.5F, 1.0F, 1.2F, -0.1F};
  std::vector<std::int32_t> codes(x.size());
  EXPECT_EQ(dac->quantize(std::span<const float>(x), 1.0F, std::span<std::int32_t>(codes)), 2u);
  EXPECT_EQ(codes, (std::vector<std::int32_t>{0, 0, 1, 4, 7, 7, 0}));
  // Signed 4 bits (3 magnitude bits), full scale 2: -1 -> -round(3.5) = -4; -3 -> -7 clipped.
  auto sdac = make_dac("dac: {impl: amplitude, bits: 4, signed: true}");
  const std::vector<float> y{-1.0F, -3.0F, 0.6F};
  std::vector<std::int32_t> scodes(y.size());
  EXPECT_EQ(sdac->quantize(std::span<const float>(y), 2.0F, std::span<std::int32_t>(scodes)), 1u);
  // 0.6 / 2 * 7 = 2.1 -> 2.
  EXPECT_EQ(scodes, (std::vector<std::int32_t>{-4, -7, 2}));
  std::vector<float> lv(y.size());
  sdac->levels(std::span<const std::int32_t>(scodes), std::span<float>(lv));
  EXPECT_FLOAT_EQ(lv[0], -4.0F / 7.0F);
  EXPECT_FLOAT_EQ(lv[1], -1.0F);
  EXPECT_FLOAT_EQ(lv[2], 2.0F / 7.0F);
  EXPECT_EQ(sdac->read_cycles(), 1);
}

TEST(Dac, HandComputedEnergyAreaLatency) {
  {
    // Bit-serial, 22 nm (0.85 V), ISAAC: E_1 = 4 mW / (1024 DACs x 10 M drives/s) = 0.390625 pJ
    //   at 32 nm; x (22/32) (0.85/0.9)^2 = 0.390625 * 0.6875 * 0.891975 = 0.239544 pJ per drive;
    // A = 0.00017 mm^2 / 1024 = 0.166016 um^2 x (22/32)^2 = 0.166016 * 0.472656 = 0.0784683 um^2;
    // latency = read_pulse 10 ns.
    auto dac = make_dac("dac: {impl: bit_serial, bits: 8}");
    EXPECT_NEAR(dac->energy_per_conversion().value, 0.239544e-12, 0.000001e-12);
    EXPECT_NEAR(dac->area().value, 0.0784683e-12, 0.0000001e-12);
    EXPECT_NEAR(dac->latency().value, 10e-9, 1e-18);
    EXPECT_EQ(dac->latency_cycles(), 10);
  }
  {
    // Amplitude, 4 bits at 32 nm (scale 1): 4 one-bit drivers -> E = 4 * 0.390625 = 1.5625 pJ,
    // A = 4 * 0.166015625 = 0.6640625 um^2; latency = read_pulse 20 ns.
    auto dac = make_dac("dac: {impl: amplitude, bits: 4, read_pulse: 20 ns}", "32nm");
    EXPECT_NEAR(dac->energy_per_conversion().value, 1.5625e-12, 1e-18);
    EXPECT_NEAR(dac->area().value, 0.6640625e-12, 1e-20);
    EXPECT_NEAR(dac->latency().value, 20e-9, 1e-18);
  }
  {
    // Pulse width, 4 bits signed (m = 3), C V^2: 100 fF * (0.2 V)^2 = 4 fJ; latency
    // (2^3 - 1) * 2 ns = 14 ns; A = 3 * 0.166016 um^2 * (45/32)^2 = 0.498047 * 1.977539 =
    // 0.984907 um^2.
    auto dac = make_dac(
        "dac: {impl: pulse_width, bits: 4, signed: true, energy_model: cv2, "
        "load_capacitance: 100 fF, read_voltage: 0.2 V, unit_pulse: 2 ns}",
        "45nm");
    EXPECT_NEAR(dac->energy_per_conversion().value, 4e-15, 1e-22);
    EXPECT_NEAR(dac->latency().value, 14e-9, 1e-18);
    EXPECT_EQ(dac->latency_cycles(), 14);
    EXPECT_NEAR(dac->area().value, 0.984907e-12, 0.000001e-12);
  }
  {
    // Overrides replace the computed figures and say so.
    auto dac = make_dac("dac: {impl: bit_serial, bits: 1, energy_per_conversion: 5 fJ}");
    EXPECT_DOUBLE_EQ(dac->energy_per_conversion().value, 5e-15);
    EXPECT_NE(dac->energy_per_conversion().source.find("config override"), std::string::npos);
  }
}

TEST(Dac, DrivesAtTheCellsReadVoltageWhenTheArrayStatesIt) {
  // A card on its own: 0.5 V by default, or its own read_voltage.
  EXPECT_DOUBLE_EQ(make_dac("dac: {impl: bit_serial, bits: 4}")->read_voltage(), 0.5);
  // In a chip the device card's read voltage (0.1 V for a DW track) wins; the cv2 energy follows:
  // C V^2 = 1 fF x (0.1 V)^2 = 1e-17 J.
  const Params root =
      Params::from_string("dac: {impl: bit_serial, bits: 4, energy_model: cv2, load_capacitance: 1 fF}\n", "<test>");
  const auto dac = DacRegistry::instance().create(root.child("dac"), TechNode::builtin("22nm"), DacContext{0.1});
  EXPECT_DOUBLE_EQ(dac->read_voltage(), 0.1);
  EXPECT_NEAR(dac->energy_per_conversion().value, 1e-17, 1e-30);
  // A card that names another voltage than the cells' is refused, naming the key.
  const std::string msg = testing::config_error([] {
    const Params r = Params::from_string("dac: {impl: bit_serial, bits: 4, read_voltage: 0.5 V}\n", "chip.yaml");
    (void)DacRegistry::instance().create(r.child("dac"), TechNode::builtin("22nm"), DacContext{0.1});
  });
  EXPECT_NE(msg.find("chip.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("read_voltage"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0.1 V"), std::string::npos) << msg;
}

// --- nonlinearity of the multi-bit levels (inl_lsb, inl_shape) ------------------------------

std::vector<float> all_levels(const Dac& dac) {
  std::vector<std::int32_t> codes;
  for (std::int32_t c = dac.is_signed() ? -dac.max_code() : 0; c <= dac.max_code(); ++c) codes.push_back(c);
  std::vector<float> out(codes.size());
  dac.levels(std::span<const std::int32_t>(codes), std::span<float>(out));
  return out;
}

TEST(DacInl, BowOfTheAmplitudeLevels) {
  // 4 bits unsigned, M = 15, bow of peak A = 0.5 LSB: level(c) = (c + 0.5 x 4 s (1 - s)) / 15,
  // s = c / 15. By hand: c = 7, 4 x 7 x 8 / 225 = 224/225 = 0.995556, level = (7 + 0.497778) / 15
  // = 0.4998519; the ends stay 0 and 1; the largest INL, 0.497778 LSB, at c = 7 and 8 (the bow's
  // peak s = 1/2 lies between codes).
  auto dac = make_dac("dac: {impl: amplitude, bits: 4, inl_lsb: 0.5}");
  EXPECT_EQ(dac->inl_lsb(), 0.5);
  const std::vector<float> lv = all_levels(*dac);
  ASSERT_EQ(lv.size(), 16u);
  EXPECT_EQ(lv[0], 0.0F);
  EXPECT_EQ(lv[15], 1.0F);
  EXPECT_NEAR(lv[7], 0.4998519, 1e-7);
  double peak = 0.0;
  for (int c = 0; c <= 15; ++c) {
    const double s = c / 15.0;
    EXPECT_NEAR(lv[static_cast<std::size_t>(c)], (c + 0.5 * 4.0 * s * (1.0 - s)) / 15.0, 1e-7) << c;
    peak = std::max(peak, lv[static_cast<std::size_t>(c)] * 15.0 - c);
  }
  EXPECT_NEAR(peak, 0.497778, 2e-6);
}

TEST(DacInl, SCurveOfSignedPulseWidthsIsOddInTheCode) {
  // 5 bits signed (sign + 4 magnitude bits, M = 15), S-curve of A = -0.8: level(c) =
  // sign(c) (|c| - 0.8 f(|c| / 15)) / 15, f = (3 sqrt(3) / 2) w (1 - w^2), w = 2 s - 1. By hand:
  // c = 3, s = 0.2, w = -0.6, f = 2.598076 x (-0.6) x 0.64 = -0.997661, level = (3 + 0.798129) / 15
  // = 0.2532086, and level(-3) = -0.2532086.
  auto dac = make_dac("dac: {impl: pulse_width, bits: 5, signed: true, inl_lsb: -0.8, inl_shape: s_curve}");
  const std::vector<float> lv = all_levels(*dac);  // codes -15 .. 15
  ASSERT_EQ(lv.size(), 31u);
  EXPECT_NEAR(lv[15 + 3], 0.2532086, 1e-7);
  EXPECT_NEAR(lv[15 - 3], -0.2532086, 1e-7);
  for (int c = -15; c <= 15; ++c) {
    const double s = std::abs(c) / 15.0;
    const double w = 2.0 * s - 1.0;
    const double mag = (std::abs(c) - 0.8 * 1.5 * std::sqrt(3.0) * w * (1.0 - w * w)) / 15.0;
    EXPECT_NEAR(lv[static_cast<std::size_t>(c + 15)], c < 0 ? -mag : mag, 1e-7) << c;
  }
}

TEST(DacInl, ZeroInlKeepsTheExactLevels) {
  // inl_lsb 0 (the default, or stated) gives code / max_code exactly, as before the key existed.
  for (const char* yaml :
       {"dac: {impl: amplitude, bits: 8}", "dac: {impl: amplitude, bits: 8, inl_lsb: 0, inl_shape: s_curve}",
        "dac: {impl: pulse_width, bits: 6, signed: true, inl_lsb: 0}"}) {
    SCOPED_TRACE(yaml);
    auto dac = make_dac(yaml);
    const std::vector<float> lv = all_levels(*dac);
    const std::int32_t lo = dac->is_signed() ? -dac->max_code() : 0;
    for (std::size_t i = 0; i < lv.size(); ++i) {
      const std::int32_t c = lo + static_cast<std::int32_t>(i);
      ASSERT_EQ(lv[i], static_cast<float>(c * (1.0 / dac->max_code()))) << c;
    }
  }
}

TEST(DacInl, BitSerialIsLinearByConstructionAndBoundsAreChecked) {
  // Two levels (0 and the read voltage): nothing to bend. A non-zero inl_lsb is refused naming the
  // key and its line; 0 is accepted; inl_shape is no key of a bit-serial card.
  EXPECT_EQ(make_dac("dac: {impl: bit_serial, bits: 8, inl_lsb: 0}")->inl_lsb(), 0.0);
  const auto error = [](const std::string& yaml) { return testing::config_error([&] { (void)make_dac(yaml); }); };
  const std::string serial = error("dac:\n  impl: bit_serial\n  bits: 8\n  inl_lsb: 0.5\n");
  EXPECT_NE(serial.find("<test>:4"), std::string::npos) << serial;
  EXPECT_NE(serial.find("dac.inl_lsb"), std::string::npos) << serial;
  EXPECT_NE(serial.find("bit-serial"), std::string::npos) << serial;
  const std::string shape = error("dac:\n  impl: bit_serial\n  bits: 8\n  inl_shape: bow\n");
  EXPECT_NE(shape.find("dac.inl_shape"), std::string::npos) << shape;
  // A bow beyond M / 4 (4 bits: 3.75 LSB) would make the levels non-monotone.
  const std::string big = error("dac:\n  impl: amplitude\n  bits: 4\n  inl_lsb: 4\n");
  EXPECT_NE(big.find("dac.inl_lsb"), std::string::npos) << big;
}

}  // namespace
}  // namespace xbarsim::periphery
