#include "arch/defects.hpp"

#include <algorithm>

namespace xbarsim::arch {

CellDefects CellDefects::from_params(const Params& device_section) {
  CellDefects d;
  const auto block = device_section.child_if("defects");
  if (!block) return d;
  d.d2d_sigma = block->real_or("d2d_sigma", 0.0, 0.0, 10.0);
  d.stuck_off_rate = block->real_or("stuck_off_rate", 0.0, 0.0, 1.0);
  d.stuck_on_rate = block->real_or("stuck_on_rate", 0.0, 0.0, 1.0);
  if (d.stuck_off_rate + d.stuck_on_rate > 1.0) {
    block->fail("stuck_on_rate", "at most 1 - stuck_off_rate (a cell is stuck off, stuck on or neither)");
  }
  d.seed_offset = static_cast<std::uint64_t>(block->integer_or("seed_offset", 0, 0, 1LL << 40));
  return d;
}

Rng CellDefects::stream(std::uint64_t tile_seed) const {
  // "defects" in ASCII as the stream number: the tiles' own streams are number 0.
  constexpr std::uint64_t kDefectStream = 0x0000646566656374ULL;
  return Rng(tile_seed, kDefectStream + seed_offset);
}

void CellDefects::draw(Rng& rng, std::span<float> factor, std::span<std::uint8_t> fault) const {
  std::fill(factor.begin(), factor.end(), 1.0F);
  std::fill(fault.begin(), fault.end(), static_cast<std::uint8_t>(CellFault::kNone));
  if (stuck()) {
    for (auto& f : fault) {
      const double u = rng.uniform();
      if (u < stuck_off_rate) {
        f = static_cast<std::uint8_t>(CellFault::kStuckOff);
      } else if (u < stuck_off_rate + stuck_on_rate) {
        f = static_cast<std::uint8_t>(CellFault::kStuckOn);
      }
    }
  }
  if (d2d_sigma > 0.0) {
    for (auto& x : factor) x = static_cast<float>(std::max(0.0, 1.0 + d2d_sigma * rng.normal()));
  }
}

void apply_defects(std::span<const float> factor, std::span<const std::uint8_t> fault, float g_off, float g_on,
                   std::span<float> g) {
  const std::size_t n = g.size();
  if (!factor.empty()) {
    for (std::size_t k = 0; k < n; ++k) g[k] *= factor[k];
  }
  if (!fault.empty()) {
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint8_t f = fault[k];
      if (f != 0) g[k] = f == static_cast<std::uint8_t>(CellFault::kStuckOff) ? g_off : g_on;
    }
  }
}

}  // namespace xbarsim::arch
