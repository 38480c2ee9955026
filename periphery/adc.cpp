// Uniform quantizer shared by every ADC (see adc.hpp). Decision levels are stored, so a code is
// decided by exact comparisons against them: an input at a level gives the upper code.
#include "periphery/adc.hpp"

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/cards.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"

namespace xbarsim::periphery {

using units::Dimension;

Adc::Adc(const Params& p, const AdcContext& ctx, std::string kind, bool ideal) : kind_(std::move(kind)), ideal_(ideal) {
  if (!ideal_) {
    bits_ = static_cast<int>(p.integer("bits", 1, 16));
    max_code_ = (std::int32_t{1} << bits_) - 1;
  }
  mux_ratio_ = static_cast<int>(p.integer_or("mux_ratio", ideal_ ? 1 : 8, 1, 4096));
  sample_and_hold_ = p.boolean_or("sample_and_hold", false);
  clock_ = p.quantity_or("clock", Dimension::kFrequency, "1 GHz", 1e3, 1e12);
  // An ideal ADC passes every value through; `signed` still says what it stands for (a training
  // chip's converters must be signed).
  signed_ = p.boolean_or("signed", false);
  if (ideal_) return;
  const std::string range = p.choice_or("range", {"calibrated", "set"}, "calibrated");
  if (range == "set") {
    const double lo = p.quantity("input_min", Dimension::kCurrent);
    const double hi = p.quantity("input_max", Dimension::kCurrent);
    if (!(hi > lo)) p.fail("input_max", "a current greater than input_min");
    set_range(lo, hi);
  } else {
    range_fraction_ = p.real_or("range_fraction", 1.0, 1e-6, 1e6);
    double full_scale = ctx.full_scale_current;
    if (p.has("full_scale_current")) {
      full_scale = p.quantity("full_scale_current", Dimension::kCurrent, 1e-18);
    }
    // Without a full scale the ADC stays uncalibrated until calibrate() (cost face still valid).
    if (full_scale > 0.0) calibrate(full_scale);
  }
  errors_ = AdcErrors::from_params(p, max_code_);
}

void Adc::set_conversion_time(const Params& p, long long default_cycles, std::string default_source) {
  constexpr std::array<std::string_view, 3> kKeys{"latency", "sample_rate", "cycles_per_conversion"};
  std::string_view given;
  for (const std::string_view key : kKeys) {
    if (!p.has(key)) continue;
    if (!given.empty()) {
      p.fail(key, fmt::format("no {} next to {} (an ADC card states its conversion time by at most one of "
                              "latency, sample_rate, cycles_per_conversion)",
                              key, given));
    }
    given = key;
  }
  const double cycle = 1.0 / clock_;
  if (given == "sample_rate") {
    const double rate = p.quantity("sample_rate", Dimension::kFrequency, 1.0, 1e13);
    latency_ = Figure{1.0 / rate, fmt::format("card sample_rate {:.6g} conversions/s: 1 / rate = {:.6g} s "
                                              "(in whole cycles of {:.6g} s, rounded up)",
                                              rate, 1.0 / rate, cycle)};
  } else if (given == "cycles_per_conversion") {
    const auto n = p.integer("cycles_per_conversion", 1, 1000000);
    latency_ =
        Figure{static_cast<double>(n) * cycle, fmt::format("card cycles_per_conversion: {} x {:.6g} s", n, cycle)};
  } else {
    latency_ = override_or(p, "latency", Dimension::kTime,
                           Figure{static_cast<double>(default_cycles) * cycle, std::move(default_source)});
  }
  latency_cycles_ = cycles_of(latency_.value, clock_);
}

Figure Adc::walden_energy(const Params& p, const TechNode& tech, int bits) {
  const double fom = p.quantity_or("fom", Dimension::kEnergy, "6.103515625 fJ", 0.0);
  const TechNode ref = TechNode::builtin(p.choice_or("fom_node", TechNode::builtin_names(), "32nm"));
  const double scale = energy_scale(tech.feature_size, tech.vdd, ref.feature_size, ref.vdd);
  return Figure{fom * std::ldexp(1.0, bits) * scale,
                fmt::format("Walden FoM (IEEE JSAC 1999): E = FoM 2^bits x (F/F_ref)(Vdd/Vdd_ref)^2, FoM={:.6g} J/step "
                            "at {} (F_ref={:.6g} m, Vdd_ref={:.6g} V), bits={}, node scale {:.6g} ({}, {:.6g} V)",
                            fom, ref.name, ref.feature_size, ref.vdd, bits, scale, tech.name, tech.vdd)};
}

void Adc::calibrate(double full_scale_current) {
  if (!(full_scale_current > 0.0)) {
    throw std::invalid_argument("Adc::calibrate: full-scale current must be > 0");
  }
  const double hi = full_scale_current * range_fraction_;
  if (!signed_ || ideal_) {
    set_range(signed_ ? -hi : 0.0, hi);
    return;
  }
  // Signed: two's complement, 2^bits codes of lsb = 2 I / 2^bits from -I, so 0 A is a level
  // (code 2^(bits-1)) and the top code is I - lsb. A range of [-I, I] over 2^bits - 1 steps
  // has no zero level: every conversion of a zero current (an all-zero bit plane) would read
  // +lsb/2, a bias that the shift-add weights by up to 2^(planes-1).
  set_range(-hi, hi - std::ldexp(2.0 * hi, -bits_));
}

void Adc::set_range(double min, double max) {
  if (!(max > min)) throw std::invalid_argument("Adc::set_range: need max > min");
  min_ = min;
  max_ = max;
  if (ideal_) return;
  lsb_ = (max_ - min_) / static_cast<double>(max_code_);
  inv_lsb_ = 1.0 / lsb_;
  edge_low_ = min_ - 0.5 * lsb_;
  edge_high_ = max_ + 0.5 * lsb_;
  thresholds_.resize(static_cast<std::size_t>(max_code_));
  for (std::int32_t k = 0; k < max_code_; ++k) {
    thresholds_[static_cast<std::size_t>(k)] = min_ + (static_cast<double>(k) + 0.5) * lsb_;
  }
  min_f_ = static_cast<float>(min_);
  inv_lsb_f_ = static_cast<float>(inv_lsb_);
  edge_low_f_ = static_cast<float>(edge_low_);
  if (static_cast<double>(edge_low_f_) < edge_low_) edge_low_f_ = std::nextafter(edge_low_f_, INFINITY);
  edge_high_f_ = static_cast<float>(edge_high_);
  if (static_cast<double>(edge_high_f_) > edge_high_) edge_high_f_ = std::nextafter(edge_high_f_, -INFINITY);
  top_f_ = static_cast<float>(max_code_) + 0.75F;
  // The float code u = (x - min) / lsb + 1/2 is off the exact one by at most ~5 (max_code + 1)
  // float epsilons (2^-24) within the range (the clamps settle the rest); 16 (max_code + 2)
  // epsilons of margin leave a factor 3, and stay below 1/4 up to 16 bits.
  margin_f_ = static_cast<float>(std::ldexp(static_cast<double>(max_code_) + 2.0, -20));
  ClipCount unused;
  zero_code_ = code_of(0.0, unused);
  levels_f_.resize(static_cast<std::size_t>(max_code_) + 1);
  for (std::int32_t k = 0; k <= max_code_; ++k)
    levels_f_[static_cast<std::size_t>(k)] = static_cast<float>(value_of(k));
}

inline std::int32_t Adc::code_of(double x, ClipCount& clip) const {
  if (x < edge_low_) ++clip.low;
  if (x > edge_high_) ++clip.high;
  // Estimate by arithmetic, then settle against the stored decision levels (at most one step
  // either way except for rounding noise), so that thresholds are exact.
  const double t = std::floor((x - min_) * inv_lsb_ + 0.5);
  // !(t > 0) also sends NaN to code 0: converting NaN to an integer is undefined behaviour.
  std::int32_t c = !(t > 0.0) ? 0 : (t >= max_code_ ? max_code_ : static_cast<std::int32_t>(t));
  const double* thr = thresholds_.data();
  while (c < max_code_ && x >= thr[c]) ++c;
  while (c > 0 && x < thr[c - 1]) --c;
  return c;
}

template <class T>
ClipCount Adc::quantize_impl(std::span<const T> in, std::span<std::int32_t> out) const {
  if (ideal_) throw std::logic_error("Adc::quantize: an ideal ADC has no codes");
  if (!calibrated()) throw std::logic_error("Adc::quantize: ADC input range not calibrated");
  assert(out.size() == in.size());
  ClipCount clip;
  const std::size_t n = in.size();
  for (std::size_t i = 0; i < n; ++i) out[i] = code_of(static_cast<double>(in[i]), clip);
  return clip;
}

ClipCount Adc::quantize(std::span<const float> in, std::span<std::int32_t> out) const { return quantize_impl(in, out); }

ClipCount Adc::quantize(std::span<const double> in, std::span<std::int32_t> out) const {
  return quantize_impl(in, out);
}

ClipCount Adc::quantize_block(const float* in, float* out, std::size_t n) const {
  // At most 256 values (quantize_values' block): copied first, as `in` and `out` may be the same.
  constexpr std::size_t kBlock = 256;
  assert(n <= kBlock);
  std::array<float, kBlock> x{};
  std::array<std::int32_t, kBlock> code{};
  std::array<std::int32_t, kBlock> near{};
  const float min = min_f_;
  const float inv_lsb = inv_lsb_f_;
  const float edge_low = edge_low_f_;
  const float edge_high = edge_high_f_;
  const float top = top_f_;
  const float margin = margin_f_;
  const float* levels = levels_f_.data();
  const std::int32_t zero_code = zero_code_;
  std::copy_n(in, n, x.data());
  std::int32_t low = 0;
  std::int32_t high = 0;
  std::int32_t near_level = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    low += v < edge_low ? 1 : 0;
    high += v > edge_high ? 1 : 0;
    float u = (v - min) * inv_lsb + 0.5F;
    u = u > 0.25F ? u : 0.25F;  // NaN -> 1/4 (flagged below)
    u = u < top ? u : top;
    const std::int32_t c = static_cast<std::int32_t>(u);
    const float f = u - static_cast<float>(c);
    const std::int32_t zero = v == 0.0F ? 1 : 0;
    const std::int32_t is_near = ((f < margin ? 1 : 0) | (f > 1.0F - margin ? 1 : 0) | (v != v ? 1 : 0)) & (zero ^ 1);
    code[i] = zero != 0 ? zero_code : c;
    near[i] = is_near;
    near_level += is_near;
  }
  if (near_level != 0) {
    ClipCount counted;  // already counted above
    for (std::size_t i = 0; i < n; ++i) {
      if (near[i] != 0) code[i] = code_of(static_cast<double>(x[i]), counted);
    }
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = levels[code[i]];
  ClipCount clip;
  clip.low = static_cast<std::size_t>(low);
  clip.high = static_cast<std::size_t>(high);
  return clip;
}

ClipCount Adc::quantize_values(std::span<const float> in, std::span<float> out) const {
  assert(out.size() == in.size());
  ClipCount clip;
  if (ideal_) {
    if (out.data() != in.data()) std::copy(in.begin(), in.end(), out.begin());
    return clip;
  }
  if (!calibrated()) throw std::logic_error("Adc::quantize_values: ADC input range not calibrated");
  // The same codes as code_of, faster: in blocks, a single-precision pass without
  // data-dependent branches (the compiler vectorizes it) takes the arithmetic code
  // u = (x - min) / lsb + 1/2, c = clamp(floor(u), 0, max), wherever u lies at least margin_f_
  // from an integer; there the decision levels min + (k + 1/2) lsb cannot disagree (set_range
  // bounds the float error). Values near a decision level, and NaN, are settled by code_of.
  // Below u = 1/4 the code is 0 and above max + 3/4 it is max whatever the rounding, so u is
  // clamped to [1/4, max + 3/4] (NaN to 1/4), then truncation is floor. A zero input (no row
  // driven) takes its exact code from set_range (it lies on a decision level of a range set
  // symmetric about 0 with `range: set`). The clip counts compare with the edges rounded to floats the way that keeps
  // them exact.
  // Blocks of kBlock values, shared by the threads (core/parallel.hpp): each writes its own
  // outputs; the clip counts are integer sums.
  constexpr std::size_t kBlock = 256;
  const std::size_t blocks = (in.size() + kBlock - 1) / kBlock;
  std::size_t low = 0;
  std::size_t high = 0;
  XBARSIM_PRAGMA(omp parallel for reduction(+ : low, high) if (in.size() >= kParallelMinElements))
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t start = b * kBlock;
    const ClipCount c = quantize_block(in.data() + start, out.data() + start, std::min(kBlock, in.size() - start));
    low += c.low;
    high += c.high;
  }
  clip.low = low;
  clip.high = high;
  return clip;
}

AdcTransfer Adc::draw_transfer(Rng* rng) const {
  if (ideal_) throw std::logic_error("Adc::draw_transfer: an ideal ADC has no transfer");
  return AdcTransfer::draw(errors_, max_code_, rng);
}

Adc::Affine Adc::effective_input() const {
  // v = u0 + a (u - u0) + offset = a u + (1 - a) u0 + offset, u = (x - min) / lsb, a = 1 + gain.
  const double a = 1.0 + errors_.gain_error;
  const double u0 = (std::clamp(0.0, min_, max_) - min_) * inv_lsb_;
  return Affine{a * inv_lsb_, (1.0 - a) * u0 + errors_.offset_lsb};
}

namespace {
// The number of the sorted levels t[0..n) that are <= v, and the clipping count: v more than one
// LSB beyond the outermost levels. A NaN counts as neither and gives code 0.
inline std::int32_t code_through(const double* t, std::int32_t n, double v, ClipCount& clip) {
  if (v < t[0] - 1.0) ++clip.low;
  if (v > t[n - 1] + 1.0) ++clip.high;
  // The nominal code floor(v + 1/2), then settled against the levels (a few steps for an INL or
  // DNL of a few LSB).
  const double g = std::floor(v + 0.5);
  std::int32_t c = !(g > 0.0) ? 0 : (g >= n ? n : static_cast<std::int32_t>(g));
  while (c < n && v >= t[c]) ++c;
  while (c > 0 && v < t[c - 1]) --c;
  return c;
}
}  // namespace

template <bool kNoise, class T, class Sink>
void Adc::convert_with_errors(std::span<const T> in, std::size_t lines, std::span<const AdcTransfer> transfers,
                              Rng& rng, ClipCount& clip, Sink sink) const {
  if (ideal_) throw std::logic_error("Adc::quantize: an ideal ADC has no codes");
  if (!calibrated()) throw std::logic_error("Adc::quantize: ADC input range not calibrated");
  if (in.empty()) return;
  const auto mux = static_cast<std::size_t>(mux_ratio_);
  if (lines == 0 || in.size() % lines != 0 || transfers.empty() ||
      (transfers.size() != 1 && transfers.size() < (lines + mux - 1) / mux)) {
    throw std::logic_error("Adc::quantize: the transfers do not cover the lines");
  }
  for (const AdcTransfer& t : transfers) {
    if (t.max_code() != max_code_) throw std::logic_error("Adc::quantize: a transfer of another resolution");
  }
  const Affine f = effective_input();
  const double min = min_;
  const double sigma = errors_.noise_lsb;
  const std::int32_t n = max_code_;
  const bool shared = transfers.size() == 1;
  const double* levels = transfers[0].levels().data();
  for (std::size_t start = 0; start < in.size(); start += lines) {
    for (std::size_t j = 0; j < lines; ++j) {
      if (!shared && j % mux == 0) levels = transfers[j / mux].levels().data();
      double v = f.scale * (static_cast<double>(in[start + j]) - min) + f.shift;
      if constexpr (kNoise) v += sigma * rng.normal();
      sink(start + j, code_through(levels, n, v, clip));
    }
  }
}

ClipCount Adc::quantize(std::span<const float> in, std::span<std::int32_t> out, const AdcTransfer& transfer,
                        Rng& rng) const {
  assert(out.size() == in.size());
  ClipCount clip;
  const auto sink = [out](std::size_t i, std::int32_t c) { out[i] = c; };
  const std::span<const AdcTransfer> one(&transfer, 1);
  if (errors_.noise_lsb > 0.0) {
    convert_with_errors<true>(in, in.size(), one, rng, clip, sink);
  } else {
    convert_with_errors<false>(in, in.size(), one, rng, clip, sink);
  }
  return clip;
}

ClipCount Adc::quantize(std::span<const double> in, std::span<std::int32_t> out, const AdcTransfer& transfer,
                        Rng& rng) const {
  assert(out.size() == in.size());
  ClipCount clip;
  const auto sink = [out](std::size_t i, std::int32_t c) { out[i] = c; };
  const std::span<const AdcTransfer> one(&transfer, 1);
  if (errors_.noise_lsb > 0.0) {
    convert_with_errors<true>(in, in.size(), one, rng, clip, sink);
  } else {
    convert_with_errors<false>(in, in.size(), one, rng, clip, sink);
  }
  return clip;
}

ClipCount Adc::quantize_values(std::span<const float> in, std::span<float> out, std::size_t lines,
                               std::span<const AdcTransfer> transfers, Rng& rng) const {
  assert(out.size() == in.size());
  ClipCount clip;
  const float* level_values = levels_f_.data();
  // Element i is read before it is written, so `out` may alias `in`.
  const auto sink = [out, level_values](std::size_t i, std::int32_t c) { out[i] = level_values[c]; };
  if (errors_.noise_lsb > 0.0) {
    convert_with_errors<true>(in, lines, transfers, rng, clip, sink);
  } else {
    convert_with_errors<false>(in, lines, transfers, rng, clip, sink);
  }
  return clip;
}

double ColumnTerm::units(std::span<const float> conductance_S) const {
  if (!blockwise()) {
    double total = 0.0;
    for (const float g : conductance_S) {
      if (g > 0.0F) total += std::pow(static_cast<double>(g) * 1e9, exponent);
    }
    return total;
  }
  // Chunks of kChunk values shared by the threads (core/parallel.hpp); each leaves the partial
  // sums of its blocks, then added in block order in double: the total of a serial pass, bit
  // for bit, whatever the number of threads.
  constexpr std::size_t kChunk = std::size_t{1} << 14;
  static_assert(kChunk % kBlock == 0);
  const std::size_t n = conductance_S.size();
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  thread_local std::vector<double> partial;  // grows to the largest operation, then reused
  partial.resize((n + kBlock - 1) / kBlock);
  double* p = partial.data();
  XBARSIM_PRAGMA(omp parallel for if (n >= kParallelMinElements))
  for (std::size_t c = 0; c < chunks; ++c) {
    block_units(conductance_S.subspan(c * kChunk, std::min(kChunk, n - c * kChunk)), p + c * (kChunk / kBlock));
  }
  double total = 0.0;
  for (const double v : partial) total += v;
  return total;
}

void ColumnTerm::block_units(std::span<const float> conductance_S, double* partial) const {
  // The fast path of units() (|exponent - 1| <= 0.01) on up to one chunk: one partial sum per
  // block of kBlock values, in float (Eigen's vectorized reduction), stored as a double.
  const auto q = static_cast<float>(exponent - 1.0);
  constexpr float kLn2 = 0.693147180559945F;
  std::array<float, kBlock> values{};
  for (std::size_t start = 0; start < conductance_S.size(); start += kBlock) {
    const std::size_t n = std::min(kBlock, conductance_S.size() - start);
    const float* g = conductance_S.data() + start;
    // Element-wise, without branches, so that the compiler vectorizes it.
    for (std::size_t i = 0; i < n; ++i) {
      // x = G / 1 nS, a negative value (rounding residue) cleared through its sign bit (integer
      // ops, no branch); x = m 2^e with m in [1, 2) (x = 0 gives m = 1, e = -127, a product of 0).
      const auto raw = std::bit_cast<std::uint32_t>(g[i] * 1e9F);
      const std::uint32_t bits = raw & ~static_cast<std::uint32_t>(static_cast<std::int32_t>(raw) >> 31);
      const auto x = std::bit_cast<float>(bits);
      const auto e = static_cast<float>(static_cast<int>(bits >> 23U) - 127);
      const float m = std::bit_cast<float>((bits & 0x7FFFFFU) | 0x3F800000U);
      const float s = (m - 1.0F) / (m + 1.0F);  // in [0, 1/3)
      const float s2 = s * s;
      const float ln_x = e * kLn2 + 2.0F * s * (1.0F + s2 * (1.0F / 3.0F + s2 * (0.2F + s2 * (1.0F / 7.0F))));
      const float y = q * ln_x;
      values[i] = x * (1.0F + y * (1.0F + y * (0.5F + y * (1.0F / 6.0F + y * (1.0F / 24.0F)))));
    }
    partial[start / kBlock] =
        static_cast<double>(Eigen::Map<const Eigen::ArrayXf>(values.data(), static_cast<Eigen::Index>(n)).sum());
  }
}

}  // namespace xbarsim::periphery

// `xbarsim validate` on an ADC card builds the ADC with the card's node (key `tech`, default
// 22 nm) and no array context: a NeuroSim-fit SAR then needs column_resistance in the card.
XBARSIM_REGISTER_CARD("adc", [](const xbarsim::Params& p) {
  const auto tech = xbarsim::periphery::TechNode::for_card(p);
  (void)xbarsim::periphery::AdcRegistry::instance().create(p, tech, xbarsim::periphery::AdcContext{});
})
