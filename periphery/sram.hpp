// SRAM accumulator cost model: the high-precision memory that holds latent weights and
// accumulated gradients. Energy per bit read/written, leakage per stored bit, area per bit
// (cell size x F^2), access latency, throughput from banks and ports.
// Sources: Horowitz, "Computing's energy problem", ISSCC 2014 (per-access energies, CACTI-
// consistent); CACTI 6.5 (6T cell 146 F^2); see docs/periphery/sram.md.
#pragma once

#include <cstdint>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "periphery/cost.hpp"
#include "periphery/tech_node.hpp"

namespace xbarsim::periphery {

// An SRAM macro of `capacity_bytes` split in `banks` banks of `word_bits`-bit words.
class Sram {
 public:
  Sram(const Params& p, const TechNode& tech);
  virtual ~Sram() = default;
  Sram(const Sram&) = delete;
  Sram& operator=(const Sram&) = delete;

  int word_bits() const { return word_bits_; }
  std::int64_t capacity_bytes() const { return capacity_bytes_; }
  std::int64_t capacity_bits() const { return capacity_bytes_ * 8; }
  std::int64_t words() const { return capacity_bits() / word_bits_; }
  int banks() const { return banks_; }
  int ports() const { return ports_; }
  // Word accesses that can start in one cycle (banks x ports, assuming no bank conflict).
  int accesses_per_cycle() const { return banks_ * ports_; }

  const Figure& read_energy_per_bit() const { return read_bit_; }                 // J per bit read
  const Figure& write_energy_per_bit() const { return write_bit_; }               // J per bit written
  double read_energy_per_word() const { return read_bit_.value * word_bits_; }    // J
  double write_energy_per_word() const { return write_bit_.value * word_bits_; }  // J
  const Figure& leakage_per_bit() const { return leak_bit_; }                     // W per stored bit
  double leakage_power() const {                                                  // W, whole macro
    return leak_bit_.value * static_cast<double>(capacity_bits());
  }
  const Figure& area() const { return area_; }        // m^2, whole macro
  const Figure& latency() const { return latency_; }  // s per access
  long long latency_cycles() const { return latency_cycles_; }

  // Dynamic energy per bit of an access to a bank of `bank_bytes`, J:
  // E_8KB (bank_bytes / 8192)^(1/2) (square-root fit to Horowitz's 8 KB, 32 KB, 1 MB points).
  static double energy_per_bit(const TechNode& tech, double bank_bytes);

 private:
  int word_bits_ = 0;
  std::int64_t capacity_bytes_ = 0;
  int banks_ = 1;
  int ports_ = 1;
  Figure read_bit_;
  Figure write_bit_;
  Figure leak_bit_;
  Figure area_;
  Figure latency_;
  long long latency_cycles_ = 0;
};

// Implementation "sram"; constructor (Params, TechNode).
using SramRegistry = Registry<Sram, const TechNode&>;

}  // namespace xbarsim::periphery
