#include "arch/mapping.hpp"

#include <algorithm>

namespace xbarsim::arch {

int ArrayGeometry::weight_cols() const { return encoding == WeightEncoding::kDifferential ? cols / 2 : cols - 1; }

int LayerMapping::active_column_groups() const {
  int n = 0;
  for (const auto& t : tiles) n += t.column_groups;
  return n;
}

LayerMapping map_layer(int inputs, int outputs, const ArrayGeometry& g) {
  LayerMapping m;
  m.inputs = inputs;
  m.outputs = outputs;
  const int wc = g.weight_cols();
  m.row_tiles = (inputs + g.rows - 1) / g.rows;
  m.col_tiles = (outputs + wc - 1) / wc;
  for (int r = 0; r < m.row_tiles; ++r) {
    for (int c = 0; c < m.col_tiles; ++c) {
      TileSlice t;
      t.row_tile = r;
      t.col_tile = c;
      t.row_begin = r * g.rows;
      t.rows = std::min(g.rows, inputs - t.row_begin);
      t.col_begin = c * wc;
      t.cols = std::min(wc, outputs - t.col_begin);
      t.column_groups = g.mux_groups(t.cols);
      m.tiles.push_back(t);
    }
  }
  return m;
}

}  // namespace xbarsim::arch
