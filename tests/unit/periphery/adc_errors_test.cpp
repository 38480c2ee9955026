// ADC non-idealities (adc_errors.hpp, docs/periphery/adc.md "Non-idealities"): offset and gain
// against hand-computed codes, INL and DNL measured from the transfer with a fine ramp (the code
// density test of IEEE Std 1241), noise as the spread of the codes of a constant input; zero
// parameters reproduce the nominal quantizer exactly. Statistical checks use fixed seeds and
// tolerances of 4 standard errors derived in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "periphery/adc.hpp"
#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

using testing::make_adc;

// An unsigned 6-bit flash over [0, 63 uA]: lsb = 1 uA, N = 63, so u = x / 1 uA.
std::string six_bit(const std::string& extra) {
  return "adc: {impl: flash, bits: 6, range: set, input_min: 0 A, input_max: 63 uA" + extra + "}";
}

// An unsigned 8-bit SAR over [0, 255 uA]: lsb = 1 uA, N = 255.
std::string eight_bit(const std::string& extra) {
  return "adc: {impl: sar, bits: 8, range: set, input_min: 0 A, input_max: 255 uA, column_resistance: 10 kOhm" + extra +
         "}";
}

std::int32_t clamp_code(double c, std::int32_t n) { return static_cast<std::int32_t>(std::clamp(c, 0.0, 1.0 * n)); }

// Measured decision levels of one converter (in LSB above input_min, lsb = 1 uA): a ramp of step
// h = 1/512 LSB from -2 to N + 2; level k is the first ramp point whose code exceeds k, so the
// measured level lies in [t_k, t_k + h). Also the hits per code (the code density test): a code's
// width is hits x h within h.
struct Ramp {
  std::vector<double> level;
  std::vector<std::int64_t> hits;
};
Ramp measure(const Adc& adc, const AdcTransfer& transfer) {
  constexpr double kStep = 1.0 / 512.0;
  const std::int32_t n = adc.max_code();
  const auto points = static_cast<std::size_t>((n + 4.0) / kStep) + 1;
  std::vector<double> u(points);
  for (std::size_t i = 0; i < points; ++i) u[i] = -2.0 + kStep * static_cast<double>(i);
  std::vector<double> x(points);
  for (std::size_t i = 0; i < points; ++i) x[i] = u[i] * 1e-6;
  std::vector<std::int32_t> codes(points);
  Rng unused(1);
  adc.quantize(std::span<const double>(x), std::span<std::int32_t>(codes), transfer, unused);
  Ramp r;
  r.level.assign(static_cast<std::size_t>(n), NAN);
  r.hits.assign(static_cast<std::size_t>(n) + 1, 0);
  std::int32_t reached = 0;  // levels 0 .. reached - 1 are measured (the codes rise along the ramp)
  for (std::size_t i = 0; i < points; ++i) {
    ++r.hits[static_cast<std::size_t>(codes[i])];
    for (; reached < codes[i]; ++reached) r.level[static_cast<std::size_t>(reached)] = u[i];
  }
  return r;
}

TEST(AdcErrors, ZeroParametersReproduceTheNominalQuantizerExactly) {
  // A card stating every parameter as 0 is the card without them: same codes and values, bit for
  // bit, on and one float step around every decision level and beyond the range, and the tiles
  // keep the nominal path (has_errors() false).
  const std::string base =
      "adc: {impl: sar, bits: 8, signed: true, full_scale_current: 20 uA, column_resistance: 10 kOhm";
  auto nominal = make_adc(base + "}");
  auto zero = make_adc(base +
                       ", offset_lsb: 0, gain_error: 0, inl_lsb: 0, inl_shape: s_curve, dnl_lsb: 0, "
                       "noise_lsb: 0}");
  EXPECT_FALSE(nominal->has_errors());
  EXPECT_FALSE(zero->has_errors());
  std::vector<float> x;
  for (std::int32_t k = 0; k < nominal->max_code(); ++k) {
    const auto t = static_cast<float>(nominal->threshold(k));
    x.insert(x.end(), {t, std::nextafter(t, -1.0F), std::nextafter(t, 1.0F)});
  }
  for (int i = 0; i <= 400; ++i) x.push_back(-30e-6F + 60e-6F * static_cast<float>(i) / 400.0F);
  std::vector<std::int32_t> a(x.size()), b(x.size());
  std::vector<float> va(x.size()), vb(x.size());
  const ClipCount ca = nominal->quantize(std::span<const float>(x), std::span<std::int32_t>(a));
  const ClipCount cb = zero->quantize(std::span<const float>(x), std::span<std::int32_t>(b));
  nominal->quantize_values(std::span<const float>(x), std::span<float>(va));
  zero->quantize_values(std::span<const float>(x), std::span<float>(vb));
  EXPECT_EQ(a, b);
  EXPECT_EQ(va, vb);
  EXPECT_EQ(ca.low, cb.low);
  EXPECT_EQ(ca.high, cb.high);

  // The conversion through a transfer of this card: its levels are exactly k + 1/2, it draws no
  // random number, and away from the decision levels (1e-6 LSB; at a level the float arithmetic
  // of u may round either way) it gives the nominal codes.
  Rng rng(7);
  const Rng fresh(7);
  const AdcTransfer t = zero->draw_transfer(&rng);
  ASSERT_EQ(t.max_code(), 255);
  for (std::int32_t k = 0; k < 255; ++k) EXPECT_EQ(t.levels()[static_cast<std::size_t>(k)], k + 0.5);
  std::vector<float> off_level;
  for (const float v : x) {
    const double u = (static_cast<double>(v) - zero->input_min()) / zero->lsb();
    if (std::fabs(u - std::floor(u) - 0.5) > 1e-6) off_level.push_back(v);
  }
  std::vector<std::int32_t> nominal_codes(off_level.size()), through(off_level.size());
  const ClipCount cn = zero->quantize(std::span<const float>(off_level), std::span<std::int32_t>(nominal_codes));
  const ClipCount ct = zero->quantize(std::span<const float>(off_level), std::span<std::int32_t>(through), t, rng);
  EXPECT_EQ(nominal_codes, through);
  EXPECT_EQ(cn.low, ct.low);
  EXPECT_EQ(cn.high, ct.high);
  EXPECT_TRUE(rng.engine() == fresh.engine());
}

TEST(AdcErrors, OffsetShiftsEveryCodeByTheOffset) {
  // v = u + offset (gain 0, no INL/DNL/noise): code = clamp(floor(u + offset + 1/2), 0, 63).
  // The ramp u = i/16 + 1/64 never puts u + offset + 1/2 on an integer for these offsets, so the
  // expectation has no ties. Clipping: v below t_0 - 1 = -1/2 or above t_62 + 1 = 63.5.
  for (const double offset : {2.0, -0.3, 5.75}) {
    SCOPED_TRACE(offset);
    auto adc = make_adc(six_bit(", offset_lsb: " + std::to_string(offset)));
    EXPECT_TRUE(adc->has_errors());
    const AdcTransfer t = adc->draw_transfer(nullptr);
    std::vector<double> u, x;
    for (int i = -80; i <= 16 * 66; ++i) u.push_back(i / 16.0 + 1.0 / 64.0);
    for (const double v : u) x.push_back(v * 1e-6);
    std::vector<std::int32_t> codes(x.size()), nominal(x.size());
    Rng rng(3);
    const ClipCount clip = adc->quantize(std::span<const double>(x), std::span<std::int32_t>(codes), t, rng);
    adc->quantize(std::span<const double>(x), std::span<std::int32_t>(nominal));
    std::size_t low = 0, high = 0, shifted = 0;
    for (std::size_t i = 0; i < u.size(); ++i) {
      const double v = u[i] + offset;
      ASSERT_EQ(codes[i], clamp_code(std::floor(v + 0.5), 63)) << "u = " << u[i];
      low += v < -0.5 ? 1 : 0;
      high += v > 63.5 ? 1 : 0;
      // Where neither code is clamped, the shift is the offset's, rounded.
      if (nominal[i] > 0 && nominal[i] < 63 && codes[i] > 0 && codes[i] < 63) {
        ++shifted;
        EXPECT_EQ(codes[i] - nominal[i], static_cast<std::int32_t>(std::floor(u[i] + offset + 0.5)) -
                                             static_cast<std::int32_t>(std::floor(u[i] + 0.5)));
      }
    }
    EXPECT_GT(shifted, 500u);
    EXPECT_EQ(clip.low, low);
    EXPECT_EQ(clip.high, high);
    EXPECT_GT(low + high, 0u);
  }
  // An integer offset of 2 LSB: every unclamped code exactly 2 above the nominal one; by hand, the
  // input 10.2 uA (nominal code 10) gives 12, 61.2 uA (61) gives 63, 0.3 uA (0) gives 2.
  auto adc = make_adc(six_bit(", offset_lsb: 2"));
  const std::vector<double> x{10.2e-6, 61.2e-6, 0.3e-6};
  std::vector<std::int32_t> codes(3);
  Rng rng(3);
  adc->quantize(std::span<const double>(x), std::span<std::int32_t>(codes), adc->draw_transfer(nullptr), rng);
  EXPECT_EQ(codes, (std::vector<std::int32_t>{12, 63, 2}));
}

TEST(AdcErrors, GainErrorScalesTheTransferAboutZeroInput) {
  {
    // Unsigned range [0, 63 uA]: zero input is u0 = 0, so v = 1.02 u. By hand: u = 10 -> 10.2 ->
    // code 10; u = 31 -> 31.62 -> 32 (nominal 31); u = 60 -> 61.2 -> 61; u = 62 -> 63.24 -> 63;
    // u = 62.5 -> 63.75 > 63.5: clipped high although the nominal converter does not clip it.
    auto adc = make_adc(six_bit(", gain_error: 0.02"));
    const AdcTransfer t = adc->draw_transfer(nullptr);
    const std::vector<double> x{10e-6, 31e-6, 60e-6, 62e-6, 62.5e-6};
    std::vector<std::int32_t> codes(x.size());
    Rng rng(3);
    const ClipCount clip = adc->quantize(std::span<const double>(x), std::span<std::int32_t>(codes), t, rng);
    EXPECT_EQ(codes, (std::vector<std::int32_t>{10, 32, 61, 63, 63}));
    EXPECT_EQ(clip.high, 1u);
    EXPECT_EQ(clip.low, 0u);
    // The whole ramp: code = clamp(floor(1.02 u + 1/2)), skipping points within 1e-9 of a tie.
    std::vector<double> u, ramp;
    for (int i = 0; i <= 64 * 70; ++i) u.push_back(-3.0 + i / 64.0 + 1.0 / 1024.0);
    for (const double v : u) ramp.push_back(v * 1e-6);
    std::vector<std::int32_t> c(ramp.size());
    adc->quantize(std::span<const double>(ramp), std::span<std::int32_t>(c), t, rng);
    for (std::size_t i = 0; i < u.size(); ++i) {
      const double v = 1.02 * u[i] + 0.5;
      if (std::fabs(v - std::round(v)) < 1e-9) continue;
      ASSERT_EQ(c[i], clamp_code(std::floor(v), 63)) << "u = " << u[i];
    }
  }
  {
    // Signed, calibrated, two's complement: I = 31.5 uA, N = 63, lsb = 2I / 64 = 0.984375 uA
    // from -I, so the zero input is at u0 = 32. With gain -0.02: v = 32 + 0.98 (u - 32). By hand:
    // x = 20.5 uA, u = 52 / 0.984375 = 52.825 -> v = 52.409 -> code 52 (nominal 53); x = -20 uA,
    // u = 11.683 -> 12.089 -> 12 (nominal 12); x = -I, u = 0 -> 0.64 -> 1 (nominal 0): the gain
    // error moves the bottom of the range by 0.02 x 32 LSB; x = 0.25 uA, u = 32.254 -> 32.249 -> 32.
    auto adc = make_adc("adc: {impl: flash, bits: 6, signed: true, full_scale_current: 31.5 uA, gain_error: -0.02}");
    const AdcTransfer t = adc->draw_transfer(nullptr);
    const std::vector<double> x{20.5e-6, -20e-6, -31.5e-6, 0.25e-6};
    std::vector<std::int32_t> codes(x.size());
    Rng rng(3);
    adc->quantize(std::span<const double>(x), std::span<std::int32_t>(codes), t, rng);
    EXPECT_EQ(codes, (std::vector<std::int32_t>{52, 12, 1, 32}));
    std::vector<std::int32_t> nominal(x.size());
    adc->quantize(std::span<const double>(x), std::span<std::int32_t>(nominal));
    EXPECT_EQ(nominal, (std::vector<std::int32_t>{53, 12, 0, 32}));
  }
}

// The INL profiles written out here (not through converter_inl.hpp): bow 4 s (1 - s), S-curve
// (3 sqrt(3) / 2) w (1 - w^2) with w = 2 s - 1, at s = k / (N - 1).
double bow(double s) { return 4.0 * s * (1.0 - s); }
double s_curve(double s) {
  const double w = 2.0 * s - 1.0;
  return 1.5 * std::sqrt(3.0) * w * (1.0 - w * w);
}

TEST(AdcErrors, InlBowMeasuredWithAFineRamp) {
  // No DNL: the levels are exactly t_k = k + 1/2 + A f(k / 254); the ramp measures each within its
  // step h = 1/512 (measured in [t_k, t_k + h)). Bow, A = 1.5: f = 1 at k = 127 (s = 1/2), the
  // peak INL 1.5 LSB; 0 at both ends (end-point INL). S-curve, A = -2: extremes -2 f(s) with
  // |f| = 1 at w = +-1/sqrt(3), s = 0.2113 and 0.7887, k = 53.7 and 200.3: at k = 54 and 200
  // (w = -+146/254 = -+0.574803) |f| = 2.598076 x 0.574803 x 0.669601 = 0.999971, the peak
  // |INL| 1.999942 LSB (+ at k = 54, - at k = 200).
  struct Case {
    const char* yaml;
    double amplitude;
    double (*f)(double);
  };
  for (const Case& c : {Case{", inl_lsb: 1.5", 1.5, bow}, Case{", inl_lsb: -2, inl_shape: s_curve", -2.0, s_curve}}) {
    SCOPED_TRACE(c.yaml);
    auto adc = make_adc(eight_bit(c.yaml));
    const AdcTransfer t = adc->draw_transfer(nullptr);
    const Ramp r = measure(*adc, t);
    double peak = 0.0;
    for (std::int32_t k = 0; k < 255; ++k) {
      const double expected = k + 0.5 + c.amplitude * c.f(k / 254.0);
      const double measured = r.level[static_cast<std::size_t>(k)];
      ASSERT_GE(measured, expected - 1e-9) << k;
      ASSERT_LT(measured, expected + 1.0 / 512.0 + 1e-9) << k;
      peak = std::max(peak, std::fabs(measured - (k + 0.5)));
    }
    EXPECT_NEAR(peak, c.amplitude > 0 ? 1.5 : 1.999942, 1.0 / 512.0 + 1e-6);
    EXPECT_NEAR(r.level[0], 0.5, 1.0 / 512.0);
    EXPECT_NEAR(r.level[254], 254.5, 1.0 / 512.0);
  }
}

TEST(AdcErrors, DnlStatisticsOverConvertersMatchTheParameter) {
  // Model: t_k = k + 1/2 + d_k, d_k ~ N(0, s^2) independent, s^2 = D^2 / 2, D = dnl_lsb = 0.25;
  // DNL_k = W_k - 1 = d_k - d_(k-1) for the n = 254 inner codes k = 1..254 has variance D^2.
  // Statistic: m = mean of DNL_k^2 over the codes of I = 40 converters (one seed). Its variance:
  // Var(DNL^2) = 2 D^4 (Gaussian), neighbours share one d, Cov(DNL_k, DNL_(k+1)) = -s^2 = -D^2 / 2,
  // so Cov(DNL_k^2, DNL_(k+1)^2) = 2 (D^2 / 2)^2 = D^4 / 2 and the rest are independent:
  // Var(sum over one converter) = n 2 D^4 + 2 (n - 1) D^4 / 2 = (3n - 1) D^4, and
  // Var(m) = (3n - 1) D^4 / (I n^2): sd(m) / D^2 = sqrt(761 / (40 x 254^2)) = 0.01717.
  // Tolerance 4 sd: |m / D^2 - 1| < 0.0687. The widths are measured from the hits of a ramp of
  // step h = 1/512 (error below h, a bias below h^2 = 4e-6 on m, 6e-5 of D^2); levels displaced
  // past a neighbour (DNL < -1, P = Phi(-4) = 3e-5 per code) are sorted, which changes m by less
  // than that.
  constexpr double kDnl = 0.25;
  constexpr int kConverters = 40;
  auto adc = make_adc(eight_bit(", dnl_lsb: 0.25"));
  EXPECT_TRUE(adc->errors().per_instance());
  Rng rng(2024);
  double sum_sq = 0.0;
  double sum = 0.0;
  std::size_t count = 0;
  std::vector<std::vector<double>> first_levels;
  for (int i = 0; i < kConverters; ++i) {
    const AdcTransfer t = adc->draw_transfer(&rng);
    if (i < 2) first_levels.emplace_back(t.levels().begin(), t.levels().end());
    const Ramp r = measure(*adc, t);
    for (std::size_t k = 1; k < 255; ++k) {
      const double dnl = static_cast<double>(r.hits[k]) / 512.0 - 1.0;
      sum_sq += dnl * dnl;
      sum += dnl;
      ++count;
    }
  }
  ASSERT_EQ(count, 254u * kConverters);
  const double m = sum_sq / static_cast<double>(count);
  EXPECT_NEAR(m / (kDnl * kDnl), 1.0, 0.0687) << "RMS DNL " << std::sqrt(m);
  // The mean DNL telescopes: per converter (d_254 - d_0) / 254 (+- h), sd sqrt(2 s^2) / 254 =
  // 0.25 / 254; over 40 converters sd 0.25 / (254 sqrt(40)) = 1.6e-4: within 4 sd plus h / 254.
  EXPECT_NEAR(sum / static_cast<double>(count), 0.0, 4 * 1.6e-4 + 1.0 / 512.0 / 254.0);
  // Each converter draws its own levels.
  EXPECT_NE(first_levels[0], first_levels[1]);
}

TEST(AdcErrors, InlAmplitudeFittedUnderDnl) {
  // t_k = k + 1/2 + A f_k + d_k (bow, A = 1, f_k = 4 s (1 - s), s = k / 254; d_k ~ N(0, D^2 / 2),
  // D = 0.25). The least-squares amplitude of the measured INL r_k = T_k - (k + 1/2),
  // A_hat = sum f_k r_k / sum f_k^2, is unbiased with sd sqrt(D^2 / 2 / sum f_k^2); sum f_k^2 over
  // k = 0..254 is 135.47 (computed below; about 255 x 16/30), sd 0.01519. The ramp's step h = 1/512
  // moves each r_k by [0, h), A_hat by at most h sum f_k / sum f_k^2 = 1.25 h. Tolerance: 4 sd + 2 h.
  auto adc = make_adc(eight_bit(", inl_lsb: 1, dnl_lsb: 0.25"));
  Rng rng(99);
  const AdcTransfer t = adc->draw_transfer(&rng);
  const Ramp r = measure(*adc, t);
  double fr = 0.0, ff = 0.0;
  for (std::int32_t k = 0; k < 255; ++k) {
    const double f = bow(k / 254.0);
    fr += f * (r.level[static_cast<std::size_t>(k)] - (k + 0.5));
    ff += f * f;
  }
  const double sd = std::sqrt(0.25 * 0.25 / 2.0 / ff);
  EXPECT_NEAR(sd, 0.01519, 0.00001);
  EXPECT_NEAR(fr / ff, 1.0, 4 * sd + 2.0 / 512.0);
}

// Mean and variance of the code round(u + sigma z) (levels at k + 1/2, no clipping), from its
// probabilities P(c) = Phi((c + 1/2 - u) / sigma) - Phi((c - 1/2 - u) / sigma); also the fourth
// central moment (for the sampling error of the variance).
struct Moments {
  double mean = 0.0, var = 0.0, m4 = 0.0;
};
Moments code_moments(double u, double sigma) {
  const auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  std::vector<std::pair<double, double>> pmf;
  for (int c = static_cast<int>(u) - 40; c <= static_cast<int>(u) + 40; ++c) {
    pmf.emplace_back(c, phi((c + 0.5 - u) / sigma) - phi((c - 0.5 - u) / sigma));
  }
  Moments m;
  for (const auto& [c, p] : pmf) m.mean += c * p;
  for (const auto& [c, p] : pmf) {
    m.var += (c - m.mean) * (c - m.mean) * p;
    m.m4 += std::pow(c - m.mean, 4) * p;
  }
  return m;
}

TEST(AdcErrors, NoiseSpreadsTheCodesOfAConstantInput) {
  // A constant input u = 100.3 LSB with noise sigma per conversion: the code's variance is
  // sigma^2 + 1/12 (the quantization error of an input spread over many LSB is uniform and
  // independent of it: Widrow's quantization theorem; the neglected terms fall as
  // exp(-2 pi^2 sigma^2), 3e-9 at sigma = 1), checked here against the exact variance from the
  // code's probabilities. M = 200,000 conversions: the sample variance has sd
  // sqrt((mu4 - var^2) / M) (mu4 the exact fourth central moment), the sample mean sqrt(var / M);
  // tolerance 4 sd each.
  constexpr std::size_t kM = 200000;
  for (const double sigma : {1.0, 2.0}) {
    SCOPED_TRACE(sigma);
    const Moments exact = code_moments(100.3, sigma);
    EXPECT_NEAR(exact.var, sigma * sigma + 1.0 / 12.0, 1e-6);
    auto adc = make_adc(eight_bit(", noise_lsb: " + std::to_string(sigma)));
    const AdcTransfer t = adc->draw_transfer(nullptr);
    std::vector<float> x(kM, 100.3e-6F);
    std::vector<std::int32_t> codes(kM);
    Rng rng(11);
    const ClipCount clip = adc->quantize(std::span<const float>(x), std::span<std::int32_t>(codes), t, rng);
    EXPECT_EQ(clip.total(), 0u);
    double mean = 0.0;
    for (const std::int32_t c : codes) mean += c;
    mean /= kM;
    double var = 0.0;
    for (const std::int32_t c : codes) var += (c - mean) * (c - mean);
    var /= kM - 1;
    EXPECT_NEAR(mean, exact.mean, 4.0 * std::sqrt(exact.var / kM));
    EXPECT_NEAR(var, exact.var, 4.0 * std::sqrt((exact.m4 - exact.var * exact.var) / kM));
    // The code spread in LSB, as the docs state it.
    EXPECT_NEAR(std::sqrt(var), std::sqrt(sigma * sigma + 1.0 / 12.0),
                2.0 * std::sqrt((exact.m4 - exact.var * exact.var) / kM) / std::sqrt(exact.var));
    // One draw per conversion from the stream given: the same seed gives the same codes.
    std::vector<std::int32_t> again(kM);
    Rng same(11);
    adc->quantize(std::span<const float>(x), std::span<std::int32_t>(again), t, same);
    EXPECT_EQ(again, codes);
  }
}

TEST(AdcErrors, BlocksGoThroughTheConverterOfTheirMuxGroup) {
  // 8 lines, mux ratio 4: lines 0-3 through converter 0, 4-7 through converter 1 (each with its
  // own DNL draw); 30 vectors of 8 values. Every value equals the reconstruction level of the code
  // its own converter gives alone, also in place; with one transfer every line uses it.
  auto adc = make_adc(
      "adc: {impl: flash, bits: 5, mux_ratio: 4, range: set, input_min: -1 uA, input_max: 30 uA, dnl_lsb: 0.4, "
      "offset_lsb: 0.3}");
  Rng draw(5);
  const std::vector<AdcTransfer> transfers{adc->draw_transfer(&draw), adc->draw_transfer(&draw)};
  ASSERT_NE(std::vector<double>(transfers[0].levels().begin(), transfers[0].levels().end()),
            std::vector<double>(transfers[1].levels().begin(), transfers[1].levels().end()));
  constexpr std::size_t kLines = 8, kVectors = 30;
  std::vector<float> in(kLines * kVectors);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(-2e-6 + 33e-6 * std::fmod(0.618 * i, 1.0));
  for (const bool shared : {false, true}) {
    SCOPED_TRACE(shared);
    const std::span<const AdcTransfer> used(transfers.data(), shared ? 1 : 2);
    std::vector<float> out(in.size());
    Rng rng(1);
    const ClipCount clip = adc->quantize_values(std::span<const float>(in), std::span<float>(out), kLines, used, rng);
    std::size_t clipped = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::size_t line = i % kLines;
      const AdcTransfer& own = shared ? transfers[0] : transfers[line / 4];
      std::int32_t code = 0;
      const ClipCount one =
          adc->quantize(std::span<const float>(&in[i], 1), std::span<std::int32_t>(&code, 1), own, rng);
      clipped += one.total();
      ASSERT_EQ(out[i], static_cast<float>(adc->value_of(code))) << i;
    }
    EXPECT_EQ(clip.total(), clipped);
    std::vector<float> in_place = in;
    adc->quantize_values(std::span<const float>(in_place), std::span<float>(in_place), kLines, used, rng);
    EXPECT_EQ(in_place, out);
  }
}

TEST(AdcErrors, KeysAreCheckedWithTheirLine) {
  const auto error = [](const std::string& yaml) { return testing::config_error([&] { (void)make_adc(yaml); }); };
  const std::string dnl = error("adc:\n  impl: flash\n  bits: 4\n  dnl_lsb: 1.5\n");
  EXPECT_NE(dnl.find("<test>:4"), std::string::npos) << dnl;
  EXPECT_NE(dnl.find("adc.dnl_lsb"), std::string::npos) << dnl;
  EXPECT_EQ(dnl.find('\n'), std::string::npos) << dnl;
  const std::string noise = error("adc:\n  impl: flash\n  bits: 4\n  noise_lsb: -0.1\n");
  EXPECT_NE(noise.find("adc.noise_lsb"), std::string::npos) << noise;
  // A bow beyond N / 4 (4 bits: 3.75 LSB) would fold the transfer back on itself.
  const std::string inl = error("adc:\n  impl: flash\n  bits: 4\n  inl_lsb: 4\n");
  EXPECT_NE(inl.find("adc.inl_lsb"), std::string::npos) << inl;
  const std::string shape = error("adc:\n  impl: flash\n  bits: 4\n  inl_shape: cubic\n");
  EXPECT_NE(shape.find("adc.inl_shape"), std::string::npos) << shape;
  const std::string gain = error("adc:\n  impl: sar\n  bits: 4\n  column_resistance: 1 kOhm\n  gain_error: 0.7\n");
  EXPECT_NE(gain.find("<test>:5"), std::string::npos) << gain;
  // An ideal ADC has no transfer to err: the keys are not its own.
  const std::string ideal = error("adc:\n  impl: ideal\n  noise_lsb: 0.5\n");
  EXPECT_NE(ideal.find("adc.noise_lsb"), std::string::npos) << ideal;
}

}  // namespace
}  // namespace xbarsim::periphery
