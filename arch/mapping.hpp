// Mapping of one fully connected layer onto rows x cols crossbar arrays: how many tiles, which
// rows and weight columns each holds, how many ADCs they need. Pure arithmetic, no state.
#pragma once

#include <cstdint>
#include <vector>

namespace xbarsim::arch {

// How a signed weight is held in conductances.
//   kDifferential: two devices per weight on two physical columns, w ~ G+ - G-; the pair's
//                  currents are subtracted before the ADC.
//   kOffset:       one device per weight, w ~ G - G_ref; one reference column of fixed
//                  resistors at G_ref = (G_min + G_max) / 2 per array, subtracted before the ADC.
enum class WeightEncoding { kDifferential, kOffset };

struct ArrayGeometry {
  int rows = 128;  // word lines (inputs)
  int cols = 128;  // physical bit lines, reference column included
  WeightEncoding encoding = WeightEncoding::kDifferential;
  int mux_ratio = 8;  // physical weight columns sharing one ADC

  // Weight columns one array holds: cols / 2 (differential) or cols - 1 (offset).
  int weight_cols() const;
  // ADCs (column groups) serving `lines` read lines through the mux: ceil(lines / mux_ratio).
  // Precondition: lines >= 0.
  int mux_groups(int lines) const { return (lines + mux_ratio - 1) / mux_ratio; }
  // ADCs one tile carries: mux_groups(weight_cols()).
  int adcs_per_tile() const { return mux_groups(weight_cols()); }
};

// The part of a layer's weight matrix held by one tile: rows [row_begin, row_begin + rows) of
// the layer's inputs, weight columns [col_begin, col_begin + cols) of its outputs.
struct TileSlice {
  int row_tile = 0;
  int col_tile = 0;
  int row_begin = 0;
  int rows = 0;
  int col_begin = 0;
  int cols = 0;
  // ADCs this tile's active columns need: ceil(cols / mux_ratio) column groups.
  int column_groups = 0;
};

struct LayerMapping {
  int inputs = 0;
  int outputs = 0;
  int row_tiles = 0;             // ceil(inputs / rows)
  int col_tiles = 0;             // ceil(outputs / weight_cols)
  std::vector<TileSlice> tiles;  // row-major over (row_tile, col_tile)

  int tile_count() const { return row_tiles * col_tiles; }
  // Sum of column groups over the tiles: ADC conversions per bit plane per image divided by the
  // mux ratio.
  int active_column_groups() const;
};

// Maps an inputs x outputs layer. Preconditions: inputs, outputs >= 1; geometry valid
// (rows >= 1, weight_cols() >= 1, mux_ratio >= 1).
LayerMapping map_layer(int inputs, int outputs, const ArrayGeometry& geometry);

}  // namespace xbarsim::arch
