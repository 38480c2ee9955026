#include "arch/mapping.hpp"

#include <gtest/gtest.h>

namespace xbarsim::arch {
namespace {

int total_tiles(const std::vector<int>& widths, const ArrayGeometry& g) {
  int n = 0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) n += map_layer(widths[l], widths[l + 1], g).tile_count();
  return n;
}

TEST(Mapping, WeightColumnsPerEncoding) {
  ArrayGeometry g{128, 128, WeightEncoding::kDifferential, 8};
  EXPECT_EQ(g.weight_cols(), 64);  // two physical columns per weight
  g.encoding = WeightEncoding::kOffset;
  EXPECT_EQ(g.weight_cols(), 127);  // one column kept for the reference
}

TEST(Mapping, SlicesCoverTheLayerExactlyOnce) {
  // 300 x 70 on 128 x 128 differential arrays: row tiles 128, 128, 44; column tiles 64, 6.
  const ArrayGeometry g{128, 128, WeightEncoding::kDifferential, 8};
  const LayerMapping m = map_layer(300, 70, g);
  EXPECT_EQ(m.row_tiles, 3);
  EXPECT_EQ(m.col_tiles, 2);
  ASSERT_EQ(m.tiles.size(), 6u);
  EXPECT_EQ(m.tiles[5].row_begin, 256);
  EXPECT_EQ(m.tiles[5].rows, 44);
  EXPECT_EQ(m.tiles[5].col_begin, 64);
  EXPECT_EQ(m.tiles[5].cols, 6);
  // Column groups: ceil(64 / 8) = 8 and ceil(6 / 8) = 1 per row tile, three row tiles.
  EXPECT_EQ(m.active_column_groups(), 27);
  long cells = 0;
  for (const auto& t : m.tiles) cells += static_cast<long>(t.rows) * t.cols;
  EXPECT_EQ(cells, 300L * 70);
}

TEST(Mapping, ArraySizeChangesTileCountAsPredicted) {
  // 784-256-128-64-10, differential pairs.
  // 64 x 64 (32 weight columns): 13x8 + 4x4 + 2x2 + 1x1 = 104 + 16 + 4 + 1 = 125 tiles.
  // 256 x 256 (128 weight columns): 4x2 + 1x1 + 1x1 + 1x1 = 11 tiles.
  const std::vector<int> widths{784, 256, 128, 64, 10};
  EXPECT_EQ(total_tiles(widths, {64, 64, WeightEncoding::kDifferential, 8}), 125);
  EXPECT_EQ(total_tiles(widths, {256, 256, WeightEncoding::kDifferential, 8}), 11);
  // Offset encoding (127 / 31 weight columns at 128 / 32 ... ): 784-256 on 128 x 128 offset is
  // ceil(784/128) = 7 row tiles x ceil(256/127) = 3 column tiles = 21.
  EXPECT_EQ(map_layer(784, 256, {128, 128, WeightEncoding::kOffset, 8}).tile_count(), 21);
}

}  // namespace
}  // namespace xbarsim::arch
