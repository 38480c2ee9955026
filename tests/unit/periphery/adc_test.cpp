// ADC: quantizer thresholds, clipping and monotonicity; SAR/flash/ideal cost faces against
// hand-computed values; the NeuroSim SAR fit against values worked out by hand from SarADC.cpp (22 nm).
#include "periphery/adc.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "periphery/flash_adc.hpp"
#include "periphery/sar_adc.hpp"
#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

using testing::make_adc;

double code_at(const Adc& adc, double x) {
  std::int32_t code = -1;
  adc.quantize(std::span<const double>(&x, 1), std::span<std::int32_t>(&code, 1));
  return code;
}

// --- functional face ---------------------------------------------------------------------

TEST(AdcQuantizer, ThresholdsAreHalfwayBetweenLevels) {
  // 3 bits over [0, 7 uA]: lsb = 7 uA / (2^3 - 1) = 1 uA; threshold k = (k + 0.5) uA.
  auto adc = make_adc(
      "adc: {impl: sar, bits: 3, range: set, input_min: 0 A, input_max: 7 uA, "
      "column_resistance: 10 kOhm}");
  EXPECT_EQ(adc->max_code(), 7);
  EXPECT_NEAR(adc->lsb(), 1e-6, 1e-18);
  for (int k = 0; k < 7; ++k) EXPECT_NEAR(adc->threshold(k), (k + 0.5) * 1e-6, 1e-18) << k;
  for (int c = 0; c <= 7; ++c) EXPECT_NEAR(adc->value_of(c), c * 1e-6, 1e-18) << c;
}

TEST(AdcQuantizer, CodesAtAndAroundEveryThreshold) {
  for (const int bits : {1, 3, 5}) {
    // Range [-2 uA, 3 uA] (signed inputs, set explicitly): at each decision level the upper
    // code is taken, one ulp below it the lower one.
    auto adc = make_adc("adc: {impl: flash, bits: " + std::to_string(bits) +
                        ", range: set, input_min: -2 uA, input_max: 3 uA}");
    for (std::int32_t k = 0; k < adc->max_code(); ++k) {
      const double t = adc->threshold(k);
      EXPECT_EQ(code_at(*adc, t), k + 1) << "bits " << bits << " k " << k;
      EXPECT_EQ(code_at(*adc, std::nextafter(t, -1.0)), k) << "bits " << bits << " k " << k;
      EXPECT_EQ(code_at(*adc, std::nextafter(t, 1.0)), k + 1) << "bits " << bits << " k " << k;
    }
  }
}

TEST(AdcQuantizer, ClippingIsCountedBeyondHalfAnLsbOutside) {
  // 2 bits over [0, 3 uA]: lsb 1 uA; clipping below -0.5 uA and above 3.5 uA.
  auto adc = make_adc("adc: {impl: flash, bits: 2, range: set, input_min: 0 A, input_max: 3 uA}");
  const std::vector<double> in{-1e-6, -0.5e-6, -0.4e-6, 0.0, 3e-6, 3.5e-6, 3.6e-6, 100e-6};
  std::vector<std::int32_t> out(in.size());
  const ClipCount clip = adc->quantize(std::span<const double>(in), std::span<std::int32_t>(out));
  EXPECT_EQ(clip.low, 1u);   // -1 uA only (-0.5 uA is at the edge, not beyond)
  EXPECT_EQ(clip.high, 2u);  // 3.6 uA and 100 uA
  const std::vector<std::int32_t> expected{0, 0, 0, 0, 3, 3, 3, 3};
  EXPECT_EQ(out, expected);
}

// quantize_values takes a fast path away from the decision levels: its values must be exactly
// value_of(code) of the exact quantizer everywhere, in particular on a decision level and one
// float step either side of it, outside the range, and when it works in place.
TEST(AdcQuantizer, ValuesEqualTheExactCodesAtEveryDecisionLevel) {
  for (const char* card :
       {"adc: {impl: sar, bits: 8, signed: true, full_scale_current: 20 uA, column_resistance: 10 kOhm}",
        "adc: {impl: sar, bits: 5, signed: false, full_scale_current: 3 uA, column_resistance: 10 kOhm}",
        "adc: {impl: sar, bits: 12, signed: true, full_scale_current: 7 uA, column_resistance: 10 kOhm}",
        "adc: {impl: sar, bits: 16, signed: false, full_scale_current: 0.3 mA, column_resistance: 10 kOhm}"}) {
    SCOPED_TRACE(card);
    auto adc = make_adc(card);
    std::vector<float> x;
    for (std::int32_t k = 0; k < adc->max_code(); ++k) {
      const auto level = static_cast<float>(adc->threshold(k));
      x.push_back(level);
      x.push_back(std::nextafter(level, -1.0F));
      x.push_back(std::nextafter(level, 1.0F));
      x.push_back(static_cast<float>(adc->value_of(k)));
    }
    const float span = static_cast<float>(adc->input_max() - adc->input_min());
    for (int i = 0; i <= 1000; ++i)
      x.push_back(static_cast<float>(adc->input_min()) - span + 3.0F * span * i / 1000.0F);
    std::vector<std::int32_t> codes(x.size());
    std::vector<float> values(x.size());
    const ClipCount exact = adc->quantize(std::span<const float>(x), std::span<std::int32_t>(codes));
    const ClipCount fast = adc->quantize_values(std::span<const float>(x), std::span<float>(values));
    EXPECT_EQ(fast.low, exact.low);
    EXPECT_EQ(fast.high, exact.high);
    EXPECT_GT(exact.total(), 0u);
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(values[i], static_cast<float>(adc->value_of(codes[i]))) << i << " x=" << x[i];
    }
    std::vector<float> in_place = x;
    adc->quantize_values(std::span<const float>(in_place), std::span<float>(in_place));
    EXPECT_EQ(in_place, values);
  }
}

TEST(AdcQuantizer, SignedRangeHasAZeroLevelAndNoBias) {
  // 8 bits signed, calibrated at I = 20 uA: two's complement, lsb = 2 I / 2^8 = 0.15625 uA,
  // levels -20 uA + k lsb, k = 0 .. 255; k = 128 is 0 A, the top level I - lsb = 19.84375 uA.
  auto adc = make_adc("adc: {impl: sar, bits: 8, signed: true, full_scale_current: 20 uA, column_resistance: 10 kOhm}");
  const double lsb = 0.15625e-6;
  EXPECT_NEAR(adc->lsb(), lsb, 1e-18);
  EXPECT_NEAR(adc->input_max(), 19.84375e-6, 1e-18);
  EXPECT_EQ(code_at(*adc, 0.0), 128);
  EXPECT_NEAR(adc->value_of(128), 0.0, 1e-18);
  // A column with no current (every column of an all-zero bit plane) reads exactly 0, through
  // both paths; so does anything within half an LSB of it.
  const std::vector<float> small{0.0F, 0.4F * 0.15625e-6F, -0.4F * 0.15625e-6F};
  std::vector<float> values(small.size());
  adc->quantize_values(std::span<const float>(small), std::span<float>(values));
  for (const float v : values) EXPECT_NEAR(v, 0.0F, 1e-18F);
  // Odd symmetry inside the range (|x| < 127.5 lsb; the top code is one lsb short of +I):
  // q(-x) = -q(x) for inputs off the decision levels (a grid of step lsb / 7 offset by lsb / 13
  // never lands on one of (k + 1/2) lsb), so inputs symmetric about 0 quantize with zero mean
  // error. Up to |x| = 800 / 7 lsb = 114 lsb.
  double sum = 0.0;
  for (int i = -800; i <= 800; ++i) {
    const double x = (i / 7.0 + 1.0 / 13.0) * lsb;
    const double qp = adc->value_of(code_at(*adc, x));
    const double qm = adc->value_of(code_at(*adc, -x));
    EXPECT_NEAR(qp + qm, 0.0, 1e-18) << i;
    sum += qp + qm;
  }
  EXPECT_NEAR(sum, 0.0, 1e-15);
}

TEST(AdcQuantizer, MonotoneAndWithinHalfLsbInsideTheRange) {
  auto adc = make_adc(
      "adc: {impl: sar, bits: 6, signed: true, full_scale_current: 20 uA, "
      "column_resistance: 10 kOhm}");
  // Calibrated signed range, two's complement: lsb = 40 uA / 2^6 = 0.625 uA, [-20 uA, 19.375 uA].
  EXPECT_DOUBLE_EQ(adc->input_min(), -20e-6);
  EXPECT_NEAR(adc->input_max(), 19.375e-6, 1e-18);
  std::vector<float> x(20001);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(-30e-6 + 3e-9 * i);
  std::vector<std::int32_t> codes(x.size());
  std::vector<float> values(x.size());
  const ClipCount clip = adc->quantize(std::span<const float>(x), std::span<std::int32_t>(codes));
  adc->quantize_values(std::span<const float>(x), std::span<float>(values));
  std::size_t expected_clipped = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i > 0) {
      EXPECT_GE(codes[i], codes[i - 1]) << i;
      EXPECT_GE(values[i], values[i - 1]) << i;
    }
    const double lsb = 40e-6 / 64.0;
    const bool outside = x[i] < -20e-6 - lsb / 2 || x[i] > 19.375e-6 + lsb / 2;
    if (outside) {
      ++expected_clipped;
    } else {
      EXPECT_LE(std::fabs(values[i] - x[i]), lsb / 2 * (1 + 1e-5)) << i;
    }
    EXPECT_FLOAT_EQ(values[i], static_cast<float>(adc->value_of(codes[i])));
  }
  EXPECT_EQ(clip.total(), expected_clipped);
  EXPECT_GT(expected_clipped, 0u);
}

TEST(AdcQuantizer, CalibratesFromTheArrayAndTheYamlWins) {
  // Context full scale 8 uA with range_fraction 0.5 -> [0, 4 uA].
  AdcContext ctx;
  ctx.full_scale_current = 8e-6;
  ctx.column_resistance = 1e4;
  auto a = make_adc("adc: {impl: sar, bits: 4, range_fraction: 0.5}", "22nm", ctx);
  EXPECT_DOUBLE_EQ(a->input_max(), 4e-6);
  EXPECT_DOUBLE_EQ(a->input_min(), 0.0);
  // YAML full scale 2 uA overrides the context's 8 uA.
  auto b = make_adc("adc: {impl: sar, bits: 4, full_scale_current: 2 uA}", "22nm", ctx);
  EXPECT_DOUBLE_EQ(b->input_max(), 2e-6);
  // Without any full scale the ADC is uncalibrated until calibrate().
  auto c = make_adc("adc: {impl: sar, bits: 4, column_resistance: 1 kOhm}");
  EXPECT_FALSE(c->calibrated());
  double x = 1e-6;
  std::int32_t code = 0;
  EXPECT_THROW(c->quantize(std::span<const double>(&x, 1), std::span<std::int32_t>(&code, 1)), std::logic_error);
  c->calibrate(15e-6);  // lsb = 1 uA
  EXPECT_EQ(code_at(*c, 7.4e-6), 7);
}

TEST(AdcQuantizer, CloneKeepsCostAndRangeAndCalibratesOnItsOwn) {
  for (const char* card_yaml : {"adc: {impl: sar, bits: 4, full_scale_current: 2 uA, column_resistance: 1 kOhm}",
                                "adc: {impl: flash, bits: 4, full_scale_current: 2 uA}", "adc: {impl: ideal}"}) {
    SCOPED_TRACE(card_yaml);
    auto card = make_adc(card_yaml);
    const std::unique_ptr<Adc> copy = card->clone();
    EXPECT_EQ(copy->kind(), card->kind());
    EXPECT_EQ(copy->energy_per_conversion().value, card->energy_per_conversion().value);
    EXPECT_EQ(copy->area().value, card->area().value);
    EXPECT_EQ(copy->latency_cycles(), card->latency_cycles());
    EXPECT_EQ(copy->input_max(), card->input_max());
    copy->calibrate(15e-6);  // the copy's range moves, the card's does not
    EXPECT_DOUBLE_EQ(copy->input_max(), 15e-6);
    EXPECT_DOUBLE_EQ(card->input_max(), card->is_ideal() ? 0.0 : 2e-6);
  }
}

TEST(AdcQuantizer, IdealPassesThroughAtNoCost) {
  auto adc = make_adc("adc: {impl: ideal}");
  EXPECT_TRUE(adc->is_ideal());
  std::vector<float> x{-1.0F, 0.25F, 1e9F};
  std::vector<float> y(3);
  const ClipCount clip = adc->quantize_values(std::span<const float>(x), std::span<float>(y));
  EXPECT_EQ(y, x);
  EXPECT_EQ(clip.total(), 0u);
  EXPECT_EQ(adc->energy_per_conversion().value, 0.0);
  EXPECT_EQ(adc->area().value, 0.0);
  EXPECT_EQ(adc->latency().value, 0.0);
  EXPECT_EQ(adc->mux_ratio(), 1);
  // Unsigned by default; `signed: true` is kept (a training chip requires signed converters).
  EXPECT_FALSE(adc->is_signed());
  EXPECT_TRUE(make_adc("adc: {impl: ideal, signed: true}")->is_signed());
}

// --- cost face ---------------------------------------------------------------------------

TEST(SarAdcFit, Reproduces22nmTableOfReferencesWithin2Percent) {
  // Worked out by hand from NeuroSim V1.3 SarADC.cpp's fit, V_read 0.5 V: 5-bit 46 fJ (100 kOhm), 90 fJ (10 kOhm);
  // 8-bit 89 fJ and 155 fJ.
  struct Check {
    int bits;
    const char* r;
    double fJ;
  };
  for (const Check& c :
       {Check{5, "100 kOhm", 46}, Check{5, "10 kOhm", 90}, Check{8, "100 kOhm", 89}, Check{8, "10 kOhm", 155}}) {
    auto adc = make_adc("adc: {impl: sar, bits: " + std::to_string(c.bits) + ", column_resistance: " + c.r +
                        ", read_voltage: 0.5 V}");
    const double e = adc->energy_per_conversion().value;
    EXPECT_NEAR(e, c.fJ * 1e-15, 0.02 * c.fJ * 1e-15) << c.bits << " bits " << c.r;
    EXPECT_NE(adc->energy_per_conversion().source.find("NeuroSim"), std::string::npos);
  }
}

TEST(SarAdcFit, HandComputedEnergyAreaLatency) {
  {
    // 22 nm, 8 bits, R 10 kOhm, V 0.5 V: R' = 1e4, log10 = 4;
    // P = (0.7213*8 + 3.3041) uW + 0.084273 exp(-2.311*4) W
    //   = 9.0745 uW + 0.084273 * 9.6705e-5 W = 9.0745 + 8.1498 = 17.2243 uW;
    // E = 17.2243 uW * 9 ns = 155.02 fJ.
    // Area: 212.8 F^2 * (478 + 182*7 = 1752) * (22 nm)^2 = 372826 * 4.84e-16 = 1.80448e-10 m^2.
    // Latency (8+1) cycles at 1 GHz = 9 ns.
    auto adc = make_adc("adc: {impl: sar, bits: 8, column_resistance: 10 kOhm}");
    EXPECT_NEAR(adc->energy_per_conversion().value, 155.01e-15, 0.05e-15);
    EXPECT_NEAR(adc->area().value, 1.80448e-10, 0.00001e-10);
    EXPECT_NEAR(adc->latency().value, 9e-9, 1e-18);
    EXPECT_EQ(adc->latency_cycles(), 9);
    EXPECT_EQ(adc->mux_ratio(), 8);
  }
  {
    // 45 nm, 6 bits, R 50 kOhm at V_read 0.25 V: R' = 50k * 0.5/0.25 = 100k, log10 = 5;
    // P = (2.1843*6 + 11.931) uW + 0.097754 exp(-2.296*5) W = 25.0368 uW + 0.097754 *
    //     1.03372e-5 W = 25.0368 + 1.0105 = 26.0473 uW; E = 26.0473 uW * 7 ns = 182.33 fJ.
    // Area: 212.8 * (478 + 182*5 = 1388) * (45 nm)^2 = 295366.4 * 2.025e-15 = 5.98117e-10 m^2.
    // Latency: 7 cycles at 500 MHz = 14 ns.
    auto adc = make_adc(
        "adc: {impl: sar, bits: 6, column_resistance: 50 kOhm, read_voltage: 0.25 V, "
        "clock: 500 MHz, mux_ratio: 4}",
        "45nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 182.33e-15, 0.05e-15);
    EXPECT_NEAR(adc->area().value, 5.98117e-10, 0.00001e-10);
    EXPECT_NEAR(adc->latency().value, 14e-9, 1e-18);
    EXPECT_EQ(adc->latency_cycles(), 7);
    EXPECT_EQ(adc->mux_ratio(), 4);
  }
  {
    // 32 nm, 7 bits, R 20 kOhm, T = 350 K: R' = 2e4, log10 = 4.30103; exp(-2.313*4.30103) =
    // 4.78097e-5; P = (1.0157*7 + 7.6286) uW + 0.083709 * 4.78097e-5 W = 14.7385 + 4.0021 =
    // 18.7406 uW, x (1 + 1.3e-3 * 50) = 19.9587 uW (NeuroSim SarADC.cpp multiplies the power);
    // E = 19.9587 uW * 8 ns = 159.67 fJ.
    // Area: 212.8 * (478 + 182*6 = 1570) * (32 nm)^2 = 334096 * 1.024e-15 = 3.42114e-10 m^2.
    auto adc = make_adc("adc: {impl: sar, bits: 7, column_resistance: 20 kOhm, temperature_K: 350}", "32nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 159.67e-15, 0.01e-15);
    EXPECT_NEAR(adc->area().value, 3.42114e-10, 0.00001e-10);
    EXPECT_NEAR(adc->latency().value, 8e-9, 1e-18);
  }
}

TEST(SarAdcFit, ContextSuppliesColumnResistanceAndYamlOverrides) {
  // From the array: R 100 kOhm, V_read 0.5 V -> the 5-bit 22 nm check value 46.31 fJ.
  AdcContext ctx;
  ctx.column_resistance = 1e5;
  ctx.read_voltage = 0.5;
  auto a = make_adc("adc: {impl: sar, bits: 5}", "22nm", ctx);
  EXPECT_NEAR(a->energy_per_conversion().value, 46.31e-15, 0.01e-15);
  // YAML column_resistance 10 kOhm wins: the 90.35 fJ check value.
  auto b = make_adc("adc: {impl: sar, bits: 5, column_resistance: 10 kOhm}", "22nm", ctx);
  EXPECT_NEAR(b->energy_per_conversion().value, 90.35e-15, 0.01e-15);
  // An explicit energy replaces the fit, and says so.
  auto c = make_adc(
      "adc: {impl: sar, bits: 5, energy_per_conversion: 0.3 pJ, area: 100 um^2, "
      "latency: 5 ns}",
      "22nm", ctx);
  EXPECT_DOUBLE_EQ(c->energy_per_conversion().value, 0.3e-12);
  EXPECT_NE(c->energy_per_conversion().source.find("config override"), std::string::npos);
  EXPECT_NE(c->energy_per_conversion().source.find("adc.energy_per_conversion"), std::string::npos);
  EXPECT_DOUBLE_EQ(c->area().value, 100e-12);
  EXPECT_EQ(c->latency_cycles(), 5);
}

TEST(SarAdcWaldenAndIsaac, HandComputed) {
  {
    // Walden, FoM 10 fJ/step at 65 nm (fom_node), 4 bits on a 65 nm chip: E = 10 fJ * 2^4 =
    // 160 fJ. Area (NeuroSim, 65 nm): 212.8 * (478 + 182*3 = 1024) * (65 nm)^2 = 217907.2 *
    // 4.225e-15 = 9.20658e-10 m^2.
    auto adc = make_adc("adc: {impl: sar, bits: 4, energy_model: walden, fom: 10 fJ, fom_node: 65nm}", "65nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 160e-15, 1e-21);
    EXPECT_NEAR(adc->area().value, 9.20658e-10, 0.00001e-10);
    EXPECT_NE(adc->energy_per_conversion().source.find("Walden"), std::string::npos);
  }
  {
    // The same FoM without fom_node is taken at the default 32 nm (0.9 V) and scaled to 65 nm
    // (1.1 V) as a switched capacitance: x (65/32)(1.1/0.9)^2 = 2.03125 * 1.493827 = 3.034336;
    // E = 160 fJ * 3.034336 = 485.494 fJ.
    auto adc = make_adc("adc: {impl: sar, bits: 4, energy_model: walden, fom: 10 fJ}", "65nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 485.494e-15, 0.001e-15);
    EXPECT_NE(adc->energy_per_conversion().source.find("32nm"), std::string::npos);
  }
  {
    // ISAAC at its own node (32 nm, 0.9 V): scale 1 -> 8 bits 16 mW / (8 ADCs x 1.28 GS/s) =
    // 1.5625 pJ, area 0.0096 mm^2 / 8 = 1200 um^2.
    auto adc = make_adc("adc: {impl: sar, bits: 8, energy_model: isaac, area_model: isaac}", "32nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 1.5625e-12, 1e-18);
    EXPECT_NEAR(adc->area().value, 1200e-12, 1e-18);
  }
  {
    // ISAAC 5 bits at 22 nm (0.85 V): 1.5625 pJ x (0.99 / 1.666667, Accelergy's 5-bit to 8-bit
    // ratio) = 0.928125 pJ at 32 nm, x (22/32) * (0.85/0.9)^2 = 0.928125 * 0.6875 * 0.891975 =
    // 0.569157 pJ. Area isaac 6 bits at 45 nm: 1200 um^2 * 2^(6-8) * (45/32)^2 =
    // 300 * 1.977539 = 593.262 um^2 (checked in the next block).
    auto adc = make_adc("adc: {impl: sar, bits: 5, energy_model: isaac}", "22nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 0.569157e-12, 0.000001e-12);
    auto b = make_adc("adc: {impl: sar, bits: 6, energy_model: isaac, area_model: isaac}", "45nm");
    EXPECT_NEAR(b->area().value, 593.262e-12, 0.001e-12);
  }
}

TEST(FlashAdc, HandComputedEnergyAreaLatency) {
  {
    // Walden default FoM 6.103515625 fJ (= 1.5625 pJ / 2^8, ISAAC's ADC at 32 nm), 3 bits at
    // 22 nm: E = 8 * 6.103515625 fJ * (22/32)(0.85/0.9)^2 = 48.828125 fJ * 0.6875 * 0.891975 =
    // 29.9430 fJ.
    // Area: 7 comparators * 10 transistors * 212.8 F^2 * (22 nm)^2 = 14896 * 4.84e-16 =
    //       7.20966e-12 m^2. Latency one cycle = 1 ns.
    auto adc = make_adc("adc: {impl: flash, bits: 3}");
    EXPECT_NEAR(adc->energy_per_conversion().value, 29.9430e-15, 0.0001e-15);
    EXPECT_NEAR(adc->area().value, 7.20966e-12, 0.00001e-12);
    EXPECT_NEAR(adc->latency().value, 1e-9, 1e-18);
    EXPECT_EQ(adc->latency_cycles(), 1);
  }
  {
    // Comparator model, 4 bits, 2 fJ each: 15 * 2 fJ = 30 fJ. Area 65 nm, 12 transistors:
    // 15 * 12 * 212.8 * (65 nm)^2 = 38304 * 4.225e-15 = 1.618344e-10 m^2. 2 GHz -> 0.5 ns.
    auto adc = make_adc(
        "adc: {impl: flash, bits: 4, energy_model: comparators, comparator_energy: 2 fJ, "
        "comparator_transistors: 12, clock: 2 GHz}",
        "65nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 30e-15, 1e-21);
    EXPECT_NEAR(adc->area().value, 1.618344e-10, 0.000001e-10);
    EXPECT_NEAR(adc->latency().value, 0.5e-9, 1e-18);
  }
  {
    // Walden FoM 1 fJ at 45 nm, 6 bits on a 45 nm chip: 64 fJ; area 63 * 10 * 212.8 * (45 nm)^2 =
    // 134064 * 2.025e-15 = 2.714796e-10 m^2.
    auto adc = make_adc("adc: {impl: flash, bits: 6, fom: 1 fJ, fom_node: 45nm}", "45nm");
    EXPECT_NEAR(adc->energy_per_conversion().value, 64e-15, 1e-21);
    EXPECT_NEAR(adc->area().value, 2.714796e-10, 0.000001e-10);
    // Taken at the default 32 nm instead: x (45/32)(1.0/0.9)^2 = 1.40625 * 1.234568 = 1.736111,
    // 111.111 fJ.
    auto b = make_adc("adc: {impl: flash, bits: 6, fom: 1 fJ}", "45nm");
    EXPECT_NEAR(b->energy_per_conversion().value, 111.111e-15, 0.001e-15);
  }
  {
    // The chip's own supply counts: a 32 nm chip at 1.0 V, FoM at the 32 nm table (0.9 V):
    // x (1.0/0.9)^2 = 1.234568; default FoM, 4 bits: 16 * 6.103515625 fJ * 1.234568 = 120.563 fJ.
    const Params root = Params::from_string("adc: {impl: flash, bits: 4}\ntech: {node: 32nm, vdd: 1.0 V}\n", "<test>");
    const TechNode tech = TechNode::from_params(root.child("tech"));
    auto adc = AdcRegistry::instance().create(root.child("adc"), tech, AdcContext{});
    EXPECT_NEAR(adc->energy_per_conversion().value, 120.563e-15, 0.001e-15);
  }
}

TEST(AdcConversionRate, FromTheCardBySampleRateOrCycles) {
  {
    // Defaults: SAR (bits + 1) cycles, flash 1 cycle (checked above); a SAR card at 1.28 GS/s
    // (ISAAC's ADC) converts in 1 / 1.28 GHz = 0.78125 ns: one 1 GHz cycle. The energy per
    // conversion stays the NeuroSim fit's P (bits + 1) 1 ns (155.01 fJ at 8 bits, 10 kOhm).
    auto adc = make_adc("adc: {impl: sar, bits: 8, column_resistance: 10 kOhm, sample_rate: 1.28 GHz}");
    EXPECT_NEAR(adc->latency().value, 0.78125e-9, 1e-21);
    EXPECT_EQ(adc->latency_cycles(), 1);
    EXPECT_NEAR(adc->energy_per_conversion().value, 155.01e-15, 0.05e-15);
    EXPECT_NE(adc->latency().source.find("sample_rate"), std::string::npos) << adc->latency().source;
  }
  {
    // 100 MS/s at a 1 GHz clock: 10 ns, 10 cycles; 300 MS/s: 3.333 ns, rounded up to 4 cycles.
    auto a = make_adc("adc: {impl: sar, bits: 5, column_resistance: 10 kOhm, sample_rate: 100 MHz}");
    EXPECT_NEAR(a->latency().value, 10e-9, 1e-18);
    EXPECT_EQ(a->latency_cycles(), 10);
    auto b = make_adc("adc: {impl: flash, bits: 4, sample_rate: 300 MHz}");
    EXPECT_NEAR(b->latency().value, 3.33333e-9, 0.00001e-9);
    EXPECT_EQ(b->latency_cycles(), 4);
  }
  {
    // Cycles: 4 cycles at 500 MHz = 8 ns; a flash taking 2 cycles at 1 GHz = 2 ns.
    auto a =
        make_adc("adc: {impl: sar, bits: 6, column_resistance: 10 kOhm, cycles_per_conversion: 4, clock: 500 MHz}");
    EXPECT_NEAR(a->latency().value, 8e-9, 1e-18);
    EXPECT_EQ(a->latency_cycles(), 4);
    EXPECT_NE(a->latency().source.find("cycles_per_conversion"), std::string::npos) << a->latency().source;
    auto b = make_adc("adc: {impl: flash, bits: 3, cycles_per_conversion: 2}");
    EXPECT_NEAR(b->latency().value, 2e-9, 1e-18);
    EXPECT_EQ(b->latency_cycles(), 2);
  }
}

TEST(AdcConversionRate, AtMostOneWayToStateIt) {
  const auto error = [](const std::string& yaml) { return testing::config_error([&] { (void)make_adc(yaml); }); };
  const std::string both = error(
      "adc:\n  impl: sar\n  bits: 5\n  column_resistance: 10 kOhm\n  sample_rate: 1 GHz\n"
      "  cycles_per_conversion: 3\n");
  EXPECT_NE(both.find("<test>:6"), std::string::npos) << both;
  EXPECT_NE(both.find("adc.cycles_per_conversion"), std::string::npos) << both;
  EXPECT_NE(both.find("sample_rate"), std::string::npos) << both;
  EXPECT_EQ(both.find('\n'), std::string::npos) << both;
  const std::string with_latency = error("adc:\n  impl: flash\n  bits: 3\n  latency: 2 ns\n  sample_rate: 1 GHz\n");
  EXPECT_NE(with_latency.find("adc.sample_rate"), std::string::npos) << with_latency;
  EXPECT_NE(with_latency.find("latency"), std::string::npos) << with_latency;
  const std::string zero = error("adc:\n  impl: flash\n  bits: 3\n  cycles_per_conversion: 0\n");
  EXPECT_NE(zero.find("adc.cycles_per_conversion"), std::string::npos) << zero;
  const std::string unit = error("adc:\n  impl: flash\n  bits: 3\n  sample_rate: 5 ns\n");
  EXPECT_NE(unit.find("adc.sample_rate"), std::string::npos) << unit;
}

TEST(AdcColumnTerm, UnitsMatchThePowerLawToOnePartPerMillion) {
  // Every value alone and all of them together, against std::pow in double: G from 0 and 10 pS
  // to 10 mS (1e-2 .. 1e7 in units of 1 nS), 4 values per decade; exponents of the NeuroSim fits
  // (-k / ln 10 for k = -2.296 .. -2.321, 0.997 .. 1.008) and beyond the fast path (1.05, 0.9).
  std::vector<float> g = {0.0F};
  for (int d = -11; d <= -2; ++d) {
    for (const double f : {1.0, 1.7, 3.1, 5.6}) g.push_back(static_cast<float>(f * std::pow(10.0, d)));
  }
  for (const double p :
       {2.311 / std::log(10.0), 2.296 / std::log(10.0), 2.321 / std::log(10.0), 0.997, 1.008, 1.05, 0.9}) {
    SCOPED_TRACE(p);
    const ColumnTerm term{.exponent = p, .energy_at_1nS = 1e-15, .source = "test"};
    double expected_total = 0.0;
    for (const float v : g) {
      const double expected = v > 0.0F ? std::pow(static_cast<double>(v) / 1e-9, p) : 0.0;
      expected_total += expected;
      EXPECT_NEAR(term.units(std::span<const float>(&v, 1)), expected, 1e-6 * expected + 1e-30) << v;
    }
    EXPECT_NEAR(term.units(g), expected_total, 1e-6 * expected_total);
  }
  // A slightly negative rounding residue counts as zero.
  const float negative = -1e-15F;
  EXPECT_EQ((ColumnTerm{.exponent = 1.0037, .energy_at_1nS = 1e-15, .source = "test"})
                .units(std::span<const float>(&negative, 1)),
            0.0);
}

}  // namespace
}  // namespace xbarsim::periphery
