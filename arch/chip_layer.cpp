#include "arch/chip_layer.hpp"

#include <fmt/format.h>

namespace xbarsim::arch {

ChipLayer::ChipLayer(const sc_core::sc_module_name& name, const LayerMapping& mapping, const ArrayGeometry& geometry,
                     const devices::Device& device, const TileParts& parts, Ledger& ledger, std::uint64_t seed,
                     std::uint64_t first_stream, int copies)
    : sc_module(name) {
  std::uint64_t stream = first_stream;
  for (int d = 0; d < copies; ++d) {
    for (const TileSlice& slice : mapping.tiles) {
      const std::string tile = d == 0 ? fmt::format("tile{}_{}", slice.row_tile, slice.col_tile)
                                      : fmt::format("tile{}_{}_copy{}", slice.row_tile, slice.col_tile, d);
      tiles_.push_back(
          std::make_unique<Tile>(tile.c_str(), slice, geometry, device, parts, ledger, seed * 1000003ULL + (++stream)));
    }
  }
}

}  // namespace xbarsim::arch
