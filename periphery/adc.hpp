// ADC interface: the functional face (uniform quantization of column outputs to codes, with
// clipping counted) shared by every ADC, and the cost face (energy per conversion, area,
// latency) that each implementation (sar_adc, flash_adc, ideal_adc) computes from its spec.
// Transfer function: textbook uniform quantizer with rounding (e.g. Kester, "Data Conversion
// Handbook", ch. 2), and with the card's offset, gain error, INL, DNL and noise (adc_errors.hpp)
// when it states any; see docs/periphery/adc.md.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "periphery/adc_errors.hpp"
#include "periphery/cost.hpp"
#include "periphery/tech_node.hpp"

namespace xbarsim::periphery {

// What the array knows about the columns an ADC reads. A value <= 0 means "unknown"; a value
// given in the ADC's YAML section always wins over the one given here.
struct AdcContext {
  double column_resistance = 0.0;   // equivalent resistance of one column, Ohm
  double full_scale_current = 0.0;  // largest column current of the array, A
  double read_voltage = 0.0;        // read voltage on the rows, V
  // The array reports, for every conversion, the conductance of the cells that read activated on
  // the converted column: a model whose energy depends on the column (NeuroSim's SAR) then
  // splits it into a fixed energy per conversion and a ColumnTerm, instead of assuming one
  // column resistance for every read.
  bool per_read_column = false;
};

// The part of a conversion's energy that the read column's current drives through the sense
// path, as a function of the conductance G of the cells the read activated on that column:
// E = energy_at_1nS x (G / 1 nS)^exponent. The array then charges no V^2 G t of its own for that
// current (it is charged once, here).
struct ColumnTerm {
  double exponent = 1.0;
  double energy_at_1nS = 0.0;  // J per conversion at G = 1 nS
  std::string source;

  // sum over `conductance_S` of (G / 1 nS)^exponent (G < 0 counts as 0): the count of the
  // column term's action. For |exponent - 1| <= 0.01 (every NeuroSim fit: -k / ln 10 is within
  // 0.997..1.008) as x exp((p - 1) ln x), ln x from the float's exponent and
  // 2 atanh((m - 1)/(m + 1)) to s^7, the exp to y^4: relative error below 1e-6 per value for
  // G up to 10 mS (tested against std::pow); otherwise std::pow per value.
  double units(std::span<const float> conductance_S) const;

  // units() adds the partial sums of blocks of kBlock values in block order (the fast path,
  // blockwise()): a caller that holds the values in pieces starting at multiples of kBlock
  // gets the same total, bit for bit, from block_units() of each piece and the same sum.
  static constexpr std::size_t kBlock = 256;
  bool blockwise() const { return std::abs(exponent - 1.0) <= 0.01; }
  // The fast path's partial sum of each block of kBlock values of `conductance_S`, into
  // partial[0 .. ceil(size / kBlock)). Precondition: blockwise().
  void block_units(std::span<const float> conductance_S, double* partial) const;
};

// Inputs that fell beyond the outermost decision levels by more than half an LSB.
struct ClipCount {
  std::size_t low = 0;
  std::size_t high = 0;
  std::size_t total() const { return low + high; }
};

// An analog-to-digital converter shared by `mux_ratio()` columns.
class Adc {
 public:
  virtual ~Adc() = default;
  Adc& operator=(const Adc&) = delete;
  // A converter of the same card in the same state (range included): a chip's own instance of
  // the card its spec holds.
  virtual std::unique_ptr<Adc> clone() const = 0;

  // --- functional face ---------------------------------------------------------------
  const std::string& kind() const { return kind_; }  // "sar", "flash", "ideal"
  // An ideal ADC passes values through unchanged (no quantization, no clipping, no cost).
  bool is_ideal() const { return ideal_; }
  int bits() const { return bits_; }                   // 0 for an ideal ADC
  std::int32_t max_code() const { return max_code_; }  // 2^bits - 1
  int mux_ratio() const { return mux_ratio_; }         // columns per ADC (>= 1)
  // The columns are sampled at the end of a read and held while the ADC converts them one after
  // the other, so the next read overlaps the conversions (card key sample_and_hold, default
  // false: each column is converted while the array holds its read, as NeuroSim times it).
  bool sample_and_hold() const { return sample_and_hold_; }
  bool is_signed() const { return signed_; }
  bool calibrated() const { return max_ > min_; }
  double input_min() const { return min_; }  // A (value of code 0)
  double input_max() const { return max_; }  // A (value of code max_code)
  double lsb() const { return lsb_; }        // A per code
  // Decision level between code k and k + 1, in A: min + (k + 1/2) lsb. An input at exactly
  // threshold(k) gives code k + 1. Precondition: calibrated(), 0 <= k < max_code().
  double threshold(std::int32_t k) const { return thresholds_[static_cast<std::size_t>(k)]; }
  // Reconstruction level of `code` in A: min + code lsb.
  double value_of(std::int32_t code) const { return min_ + lsb_ * code; }

  // Sets the input range to [signed ? -I : 0, I] x range_fraction, I = full scale in A (> 0).
  void calibrate(double full_scale_current);
  // Sets the input range explicitly, in A. Precondition: max > min.
  void set_range(double min, double max);

  // Converts `in` (A) to codes in [0, max_code] through the nominal transfer (the card's errors
  // aside). Preconditions: calibrated(), !is_ideal(), out.size() == in.size(). No allocation;
  // returns the clipped inputs.
  ClipCount quantize(std::span<const float> in, std::span<std::int32_t> out) const;
  ClipCount quantize(std::span<const double> in, std::span<std::int32_t> out) const;
  // Converts `in` (A) to the reconstruction level of its code (A) through the nominal transfer;
  // `out` may alias `in`. An ideal ADC copies. Preconditions: calibrated() unless ideal,
  // out.size() == in.size().
  ClipCount quantize_values(std::span<const float> in, std::span<float> out) const;

  // --- non-idealities (adc_errors.hpp; docs/periphery/adc.md, "Non-idealities") ------------
  // The card's offset, gain error, INL, DNL and noise (all zero for an ideal ADC).
  const AdcErrors& errors() const { return errors_; }
  // True when the card states any of them: conversions then go through an AdcTransfer.
  bool has_errors() const { return errors_.any(); }
  // The static transfer of one physical converter of this card (AdcTransfer::draw: the DNL's
  // displacements from `rng`, which may be null when the card has no DNL). It does not depend on
  // the range, so it holds across calibrate() and set_range(). Precondition: !is_ideal().
  AdcTransfer draw_transfer(Rng* rng) const;
  // Converts `in` (A) through one physical converter: effective input, in LSB above input_min,
  //   v = u0 + (1 + gain_error)(u - u0) + offset_lsb + noise_lsb z,   u = (x - min) / lsb,
  // u0 = u of the input 0 A clamped to the range (0 for [0, I], N / 2 for [-I, I]), z ~ N(0, 1)
  // drawn from `rng` per conversion in input order (no draw when noise_lsb is 0); code = the
  // number of `transfer`'s levels <= v; clipped when v lies more than one LSB below its first
  // level or above its last (half an LSB beyond the outermost reconstruction levels, as the
  // nominal transfer counts). Preconditions: calibrated(), !is_ideal(), out.size() == in.size(),
  // transfer.max_code() == max_code(). No allocation.
  ClipCount quantize(std::span<const float> in, std::span<std::int32_t> out, const AdcTransfer& transfer,
                     Rng& rng) const;
  ClipCount quantize(std::span<const double> in, std::span<std::int32_t> out, const AdcTransfer& transfer,
                     Rng& rng) const;
  // The same conversion to reconstruction levels (A) of vectors of `lines` values each, one after
  // the other (a column-major lines x vectors block; in.size() a multiple of lines): line j goes
  // through transfers[j / mux_ratio()], the converter of its mux group, or through transfers[0]
  // when `transfers` holds one (a card without DNL: every converter has the same transfer).
  // `out` may alias `in`. Preconditions as quantize, and transfers.size() == 1 or >=
  // ceil(lines / mux_ratio()).
  ClipCount quantize_values(std::span<const float> in, std::span<float> out, std::size_t lines,
                            std::span<const AdcTransfer> transfers, Rng& rng) const;

  // --- cost face ---------------------------------------------------------------------
  // J per conversion; with a column term (column_term()), the energy that does not depend on the
  // column only.
  const Figure& energy_per_conversion() const { return energy_; }
  // The column-dependent energy, when the model has one and the array reports per-read column
  // conductances (AdcContext::per_read_column); none otherwise.
  const std::optional<ColumnTerm>& column_term() const { return column_term_; }
  const Figure& area() const { return area_; }                  // m^2 per ADC (mux excluded)
  const Figure& latency() const { return latency_; }            // s per conversion
  long long latency_cycles() const { return latency_cycles_; }  // clock cycles per conversion
  double clock() const { return clock_; }                       // Hz

 protected:
  // Reads the keys common to every ADC: bits and the errors of adc_errors.hpp (unless ideal), signed,
  // mux_ratio, range, full_scale_current / range_fraction or input_min / input_max, clock.
  Adc(const Params& p, const AdcContext& ctx, std::string kind, bool ideal);
  Adc(const Adc&) = default;  // for clone()

  // Fills latency_ and latency_cycles_ from the card: at most one of `latency` (an override, s),
  // `sample_rate` (conversions per second of one ADC: latency 1 / rate) or `cycles_per_conversion`
  // (cycles of `clock`); without them `default_cycles` cycles, described by `default_source`.
  // latency_cycles_ is the latency in whole cycles, rounded up.
  void set_conversion_time(const Params& p, long long default_cycles, std::string default_source);
  // Walden figure-of-merit energy per conversion, E = FoM 2^bits (Walden, IEEE JSAC 17(4) 1999):
  // `fom` (J per step, default 6.103515625 fJ = ISAAC's 8-bit 1.5625 pJ / 2^8) is taken at node
  // `fom_node` (default 32nm, ISAAC's node) and scaled to `tech` as a switched capacitance,
  // x (F / F_ref)(Vdd / Vdd_ref)^2 (energy_scale).
  static Figure walden_energy(const Params& p, const TechNode& tech, int bits);

  // Implementations fill these in their constructor.
  Figure energy_;
  std::optional<ColumnTerm> column_term_;
  Figure area_;
  Figure latency_;
  long long latency_cycles_ = 0;

 private:
  // quantize_values on one block of n <= 256 values (`in` may be `out`).
  ClipCount quantize_block(const float* in, float* out, std::size_t n) const;
  template <class T>
  ClipCount quantize_impl(std::span<const T> in, std::span<std::int32_t> out) const;
  std::int32_t code_of(double x, ClipCount& clip) const;
  // v = scale x + shift + noise: the effective input of quantize(..., transfer, rng) in LSB.
  struct Affine {
    double scale;
    double shift;
  };
  Affine effective_input() const;
  template <bool kNoise, class T, class Sink>
  void convert_with_errors(std::span<const T> in, std::size_t lines, std::span<const AdcTransfer> transfers, Rng& rng,
                           ClipCount& clip, Sink sink) const;

  std::string kind_;
  bool ideal_ = false;
  int bits_ = 0;
  std::int32_t max_code_ = 0;
  int mux_ratio_ = 1;
  bool sample_and_hold_ = false;
  bool signed_ = false;
  double range_fraction_ = 1.0;
  double clock_ = 1e9;
  double min_ = 0.0;
  double max_ = 0.0;
  double lsb_ = 0.0;
  double inv_lsb_ = 0.0;
  double edge_low_ = 0.0;   // min - lsb/2
  double edge_high_ = 0.0;  // max + lsb/2
  std::vector<double> thresholds_;
  // quantize_values' single-precision pass (set_range): the range in float, the edges rounded so
  // that a float compares with them as with the double edges, the margin from a decision level
  // within which the pass defers to code_of, and every code's reconstruction level as a float.
  float min_f_ = 0.0F;
  float inv_lsb_f_ = 0.0F;
  float edge_low_f_ = 0.0F;   // smallest float >= edge_low_
  float edge_high_f_ = 0.0F;  // largest float <= edge_high_
  float top_f_ = 0.0F;        // max_code + 3/4
  float margin_f_ = 0.0F;
  std::int32_t zero_code_ = 0;  // code_of(0): a zero input often sits on a decision level
  std::vector<float> levels_f_;
  AdcErrors errors_;
};

// Implementations: "sar", "flash", "ideal". Constructor: (const Params&, const TechNode&,
// const AdcContext&).
using AdcRegistry = Registry<Adc, const TechNode&, const AdcContext&>;

}  // namespace xbarsim::periphery
