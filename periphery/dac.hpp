// Row DAC: the functional face turns an input vector into integer codes and then into the row
// drive (bit planes for bit-serial, one level per row for multi-bit amplitude or pulse width);
// the cost face gives energy per conversion, area and latency.
// Sources: ISAAC (Shafiee et al., ISCA 2016) 1-bit DAC figures; C V^2 driver model; the
// multi-bit levels' nonlinearity as an end-point INL bow (converter_inl.hpp: Razavi, "Principles
// of Data Conversion System Design", IEEE Press 1995, ch. 2); see docs/periphery/dac.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "periphery/converter_inl.hpp"
#include "periphery/cost.hpp"
#include "periphery/tech_node.hpp"

namespace xbarsim::periphery {

// What the array tells a DAC: the voltage its cells are read at (the device card's), V; <= 0
// means "unknown" (a DAC card on its own), and the card's read_voltage (default 0.5 V) holds.
// When known, the card may only repeat it: the DAC drives the rows at the cells' read voltage.
struct DacContext {
  double read_voltage = 0.0;
};

// A row DAC. Implementations "bit_serial", "amplitude", "pulse_width" differ in encoding only.
class Dac {
 public:
  enum class Encoding { kBitSerial, kAmplitude, kPulseWidth };

  Dac(const Params& p, const TechNode& tech, const DacContext& ctx, Encoding encoding);
  virtual ~Dac() = default;
  Dac(const Dac&) = delete;
  Dac& operator=(const Dac&) = delete;

  // --- functional face ---------------------------------------------------------------
  Encoding encoding() const { return encoding_; }
  int bits() const { return bits_; }                      // input bits, sign included
  int magnitude_bits() const { return magnitude_bits_; }  // m = bits - (signed ? 1 : 0)
  std::int32_t max_code() const { return max_code_; }     // 2^m - 1
  bool is_signed() const { return signed_; }              // sign-magnitude (bipolar drive)
  double read_voltage() const { return read_voltage_; }   // V of a full drive
  // Array reads per input vector: m for bit-serial (one bit per read cycle), 1 otherwise.
  int read_cycles() const { return encoding_ == Encoding::kBitSerial ? magnitude_bits_ : 1; }

  // code_i = sign(x_i) round(min(|x_i| / full_scale, 1) max_code); unsigned DACs map x < 0 to 0.
  // Returns how many inputs were clipped (|x| > full_scale, or x < 0 when unsigned).
  // Preconditions: full_scale > 0, codes.size() == x.size(). No allocation.
  std::size_t quantize(std::span<const float> x, float full_scale, std::span<std::int32_t> codes) const;
  // Bit plane b (0 = LSB) of the codes, in units of the read voltage:
  // plane_i = sign(code_i) ((|code_i| >> b) & 1), so sum_b 2^b plane_b == code exactly.
  // Preconditions: 0 <= b < magnitude_bits(), plane.size() == codes.size().
  void bit_plane(std::span<const std::int32_t> codes, int b, std::span<float> plane) const;
  // Multi-bit drive in units of the full drive (amplitude fraction, or the fraction of the
  // full-scale pulse width): code / max_code, plus the card's INL (inl_lsb, inl_shape):
  //   level(c) = sign(c) (|c| + inl_lsb f(|c| / max_code)) / max_code,
  // f the end-point profile of converter_inl.hpp (0 at code 0 and at full scale). With inl_lsb 0
  // exactly code / max_code. Precondition: out.size() == codes.size().
  void levels(std::span<const std::int32_t> codes, std::span<float> out) const;
  // Peak INL of the multi-bit levels, LSB (always 0 for bit-serial: two levels, linear by
  // construction), and its shape.
  double inl_lsb() const { return inl_lsb_; }
  InlShape inl_shape() const { return inl_shape_; }

  // --- cost face ---------------------------------------------------------------------
  // J per conversion of one row: bit-serial, one 1-bit drive (charged per row per read
  // cycle); multi-bit, one m-bit conversion (per row per input vector).
  const Figure& energy_per_conversion() const { return energy_; }
  const Figure& area() const { return area_; }  // m^2 per row DAC
  const Figure& latency() const {
    return latency_;
  }  // s per conversion (one read cycle for
     // bit-serial/amplitude; full-scale pulse
     // for pulse width)
  long long latency_cycles() const { return latency_cycles_; }
  double clock() const { return clock_; }

 private:
  Encoding encoding_;
  int bits_ = 0;
  int magnitude_bits_ = 0;
  std::int32_t max_code_ = 0;
  bool signed_ = false;
  double read_voltage_ = 0.0;
  double inl_lsb_ = 0.0;
  InlShape inl_shape_ = InlShape::kBow;
  std::vector<float> inl_levels_;  // level(c) for c = 0 .. max_code when inl_lsb != 0, else empty
  double clock_ = 1e9;
  Figure energy_;
  Figure area_;
  Figure latency_;
  long long latency_cycles_ = 0;
};

// Implementations: "bit_serial", "amplitude", "pulse_width"; constructor (Params, TechNode,
// DacContext).
using DacRegistry = Registry<Dac, const TechNode&, const DacContext&>;

}  // namespace xbarsim::periphery
