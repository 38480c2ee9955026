// Shift-and-add / digital partial-sum adder: combines the ADC outputs of successive input bit
// planes (bit-serial inputs) and of weight slices spread over several cells or arrays, into a
// saturating accumulator of `bits` bits; costs one energy per add operation.
// Source: ISAAC (Shafiee et al., ISCA 2016) 16-bit shift-and-add, 0.01953125 pJ, 60 um^2 at 32 nm;
// see docs/periphery/shift_add.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "periphery/cost.hpp"
#include "periphery/tech_node.hpp"

namespace xbarsim::periphery {

// A shift-and-add unit with a `bits`-wide two's-complement accumulator.
class ShiftAdd {
 public:
  ShiftAdd(const Params& p, const TechNode& tech);
  virtual ~ShiftAdd() = default;
  ShiftAdd(const ShiftAdd&) = delete;
  ShiftAdd& operator=(const ShiftAdd&) = delete;

  // --- functional face ---------------------------------------------------------------
  int bits() const { return bits_; }
  std::int64_t acc_max() const { return acc_max_; }  //  2^(bits-1) - 1
  std::int64_t acc_min() const { return -acc_max_ - 1; }

  // acc_i += sign (partial_i << shift), saturated to [acc_min, acc_max] (sign = -1 when
  // `subtract`, e.g. the sign plane or the negative array of a differential pair). One add
  // operation per element. Returns how many results saturated.
  // Preconditions: 0 <= shift < bits, acc.size() == partial.size(), |acc_i| in range.
  std::size_t accumulate(std::span<const std::int32_t> partial, int shift, bool subtract,
                         std::span<std::int64_t> acc) const;
  // Real-valued version for de-quantized partial sums: acc_i += scale partial_i (no
  // saturation). Precondition: acc.size() == partial.size().
  static void accumulate(std::span<const float> partial, float scale, std::span<float> acc);

  // --- cost face ---------------------------------------------------------------------
  const Figure& energy_per_op() const { return energy_; }  // J per add (one element)
  const Figure& area() const { return area_; }             // m^2 per unit
  const Figure& latency() const { return latency_; }       // s per add
  long long latency_cycles() const { return latency_cycles_; }

 private:
  int bits_ = 0;
  std::int64_t acc_max_ = 0;
  Figure energy_;
  Figure area_;
  Figure latency_;
  long long latency_cycles_ = 0;
};

// Implementation "digital"; constructor (Params, TechNode).
using ShiftAddRegistry = Registry<ShiftAdd, const TechNode&>;

}  // namespace xbarsim::periphery
