// One layer of a chip as a SystemC module: the parent of the layer's tiles in the module tree
// ("chip.layer0.tile3_1"). It elaborates the tiles itself, since SystemC attaches a module to
// the parent whose constructor is running.
#pragma once

#include <cstdint>
#include <memory>
#include <systemc>
#include <vector>

#include "arch/mapping.hpp"
#include "arch/tile.hpp"
#include "core/ledger.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch {

class ChipLayer : public sc_core::sc_module {
 public:
  // Builds one tile per slice of `mapping` ("tile<r>_<c>"), in mapping order, for each of
  // `copies` copies of the weights (copy d > 0: "tile<r>_<c>_copy<d>"); tile k draws from the
  // random stream seed * 1000003 + first_stream + k + 1.
  ChipLayer(const sc_core::sc_module_name& name, const LayerMapping& mapping, const ArrayGeometry& geometry,
            const devices::Device& device, const TileParts& parts, Ledger& ledger, std::uint64_t seed,
            std::uint64_t first_stream, int copies = 1);

  // The layer's tiles: copy by copy, each in mapping.tiles order.
  const std::vector<std::unique_ptr<Tile>>& tiles() const { return tiles_; }

 private:
  std::vector<std::unique_ptr<Tile>> tiles_;
};

}  // namespace xbarsim::arch
