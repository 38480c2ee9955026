// Fabrication defects of a crossbar's cells, the same for every device technology: a per-cell
// multiplicative conductance factor (device-to-device variation) and stuck-at faults, drawn once
// per cell when the array is built and applied to every conductance the device reports for that
// cell (docs/devices/defects.md).
//
// Device-to-device variation: factor = max(0, 1 + sigma z), z ~ N(0, 1), a relative Gaussian
// spread of the conductance as NeuroSim's device-to-device variation (P.-Y. Chen, X. Peng and
// S. Yu, "NeuroSim: A Circuit-Level Macro Model for Benchmarking Neuro-Inspired Architectures in
// Online Learning", IEEE TCAD 37(12), 2018) and aihwkit's relative "dtod" spreads (M. J. Rasch
// et al., "A flexible and fast PyTorch toolkit for simulating training and inference on analog
// crossbar arrays", IEEE AICAS 2021) parametrize it.
// Stuck-at faults: a cell is stuck off (held at the device's g_min) with probability
// stuck_off_rate and stuck on (g_max) with probability stuck_on_rate, independently per cell;
// C.-Y. Chen et al., "RRAM Defect Modeling and Failure Analysis Based on March Test and a Novel
// Squeeze-Search Scheme", IEEE Trans. Computers 64(1), 2015, measured 1.75 % stuck-at-0 (high
// resistance, off) and 9.04 % stuck-at-1 (low resistance, on) cells in a 4 Mb RRAM array; L. Xia
// et al., "Stuck-at Fault Tolerance in RRAM Computing Systems", IEEE JETCAS 8(1), 2018, use
// those rates.
#pragma once

#include <cstdint>
#include <span>

#include "core/params.hpp"
#include "core/rng.hpp"

namespace xbarsim::arch {

// A cell's fault (one byte per device cell).
enum class CellFault : std::uint8_t { kNone = 0, kStuckOff = 1, kStuckOn = 2 };

struct CellDefects {
  double d2d_sigma = 0.0;       // relative standard deviation of the per-cell conductance factor
  double stuck_off_rate = 0.0;  // probability that a cell is stuck at g_min
  double stuck_on_rate = 0.0;   // probability that a cell is stuck at g_max
  // Added to the defect stream's number: another fabricated die with the same run seed.
  std::uint64_t seed_offset = 0;

  bool any() const { return d2d_sigma > 0.0 || stuck_off_rate > 0.0 || stuck_on_rate > 0.0; }
  bool stuck() const { return stuck_off_rate > 0.0 || stuck_on_rate > 0.0; }

  // Reads the optional `defects` block of a device section (absent: no defects, nothing
  // recorded in the resolved configuration).
  static CellDefects from_params(const Params& device_section);

  // The random stream of the defects of the tile whose own stream is seeded with `tile_seed`:
  // a separate stream, so that drawing defects shifts none of the tile's other draws.
  Rng stream(std::uint64_t tile_seed) const;

  // Draws every cell's defects from `rng`, cell by cell in index order: one uniform per cell
  // when a stuck rate is nonzero (u < off: stuck off; off <= u < off + on: stuck on), then one
  // normal per cell when d2d_sigma > 0. `factor` and `fault` have one entry per device cell
  // (factor 1 and kNone where nothing is drawn).
  void draw(Rng& rng, std::span<float> factor, std::span<std::uint8_t> fault) const;
};

// g[k] = g_off or g_on for a stuck cell, else g[k] x factor[k]. Either span may be empty (no
// factor or no faults).
void apply_defects(std::span<const float> factor, std::span<const std::uint8_t> fault, float g_off, float g_on,
                   std::span<float> g);

}  // namespace xbarsim::arch
