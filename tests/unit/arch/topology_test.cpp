// Shapes, work and buffer traffic of convolution layers (arch/topology.hpp), against hand
// derivations.
#include "arch/topology.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace xbarsim::arch {
namespace {

// LeNet-5 as in configs/networks/lenet5.yaml: conv 6@5x5 pad 2, ReLU, max 2; conv 16@5x5, ReLU,
// max 2; dense 120, 84, 10.
Topology lenet5() {
  TopologyBuilder b({1, 28, 28});
  b.conv(6, 5, 1, 2);
  b.relu();
  b.pool(PoolKind::kMax, 2, 2);
  b.conv(16, 5, 1, 0);
  b.relu();
  b.pool(PoolKind::kMax, 2, 2);
  b.flatten();
  b.dense(120);
  b.relu();
  b.dense(84);
  b.relu();
  b.dense(10);
  return b.finish();
}

TEST(Topology, LeNet5Shapes) {
  const Topology t = lenet5();
  ASSERT_EQ(t.layers.size(), 5U);
  // (28 + 2 x 2 - 5) / 1 + 1 = 28; pooled 14. (14 - 5) + 1 = 10; pooled 5.
  EXPECT_EQ(t.layers[0].out, (FeatureShape{6, 28, 28}));
  EXPECT_EQ(t.layers[0].pooled(), (FeatureShape{6, 14, 14}));
  EXPECT_EQ(t.layers[1].in, (FeatureShape{6, 14, 14}));
  EXPECT_EQ(t.layers[1].out, (FeatureShape{16, 10, 10}));
  EXPECT_EQ(t.layers[1].pooled(), (FeatureShape{16, 5, 5}));
  EXPECT_EQ(t.layers[2].in, (FeatureShape{400, 1, 1}));
  // Crossbar rows: C_in x k^2 = 25 and 150; columns: C_out.
  EXPECT_EQ(t.layers[0].weight_inputs(), 25);
  EXPECT_EQ(t.layers[1].weight_inputs(), 150);
  EXPECT_EQ(t.layers[1].weight_outputs(), 16);
  EXPECT_EQ(t.layers[0].windows(), 784);
  EXPECT_EQ(t.layers[1].windows(), 100);
  EXPECT_EQ(t.layers[3].windows(), 1);
  EXPECT_EQ(t.classes(), 10);
  EXPECT_TRUE(t.has_conv());
  EXPECT_TRUE(t.widths().empty());
  // MACs: 25 x 6 x 784 + 150 x 16 x 100 + 400 x 120 + 120 x 84 + 84 x 10
  //     = 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520.
  EXPECT_DOUBLE_EQ(t.macs(), 416520.0);
  // Max pool 2x2: 3 compares per pooled value: 3 x 6 x 14 x 14 = 3,528.
  EXPECT_EQ(t.layers[0].pool_ops(), 3528);
  EXPECT_EQ(t.layers[0].describe(), "conv 6x1x5x5 s1 p2 relu maxpool2");
  EXPECT_EQ(t.layers[2].describe(), "dense 400->120 relu");
}

TEST(Topology, MlpIsDenseLayersWithReluBetween) {
  const Topology t = Topology::mlp({784, 32, 10});
  ASSERT_EQ(t.layers.size(), 2U);
  EXPECT_TRUE(t.layers[0].relu);
  EXPECT_FALSE(t.layers[1].relu);
  EXPECT_EQ(t.widths(), (std::vector<int>{784, 32, 10}));
  EXPECT_EQ(t.layers[0].buffer_reads(), 784);
  EXPECT_THROW(Topology::mlp({784}), std::invalid_argument);
  EXPECT_THROW(Topology::mlp({784, 0, 10}), std::invalid_argument);
}

// Buffer words read per image with window reuse (the input register keeps the overlap of
// consecutive windows of an output row; padding is never read).
TEST(Topology, BufferReadsStrideOnePadded) {
  // 2 x 5 x 5 input, 3x3 kernel, stride 1, padding 1: 5 x 5 outputs.
  // Input rows in bounds per output row: oh = 0 covers rows -1..1 (2), oh = 1..3 three each,
  // oh = 4 covers 3..5 (2): 13. Columns read anew per output row: the first window columns -1..1
  // (2 in bounds), each next window one new column (2, 3, 4, then 5: outside): 2 + 1 + 1 + 1 + 0
  // = 5. Reads = channels x 13 x 5 = 130: every input row a window row covers, read once per
  // output row. Without reuse: 13 x (2 + 3 + 3 + 3 + 2) x 2 = 338.
  TopologyBuilder b({2, 5, 5});
  b.conv(4, 3, 1, 1);
  const LayerShape s = b.finish().layers[0];
  EXPECT_EQ(s.out, (FeatureShape{4, 5, 5}));
  EXPECT_EQ(s.buffer_reads(), 130);
  EXPECT_EQ(s.buffer_reads_without_reuse(), 338);
}

TEST(Topology, BufferReadsStrideTwo) {
  // 1 x 7 x 7, 3x3, stride 2, no padding: 3 x 3 outputs. Rows: 3 per output row, 9. Columns:
  // window 0 reads 0..2 (3), window 1 covers 2..4 and reads 3..4 (2), window 2 covers 4..6 and
  // reads 5..6 (2): 7. Reads 9 x 7 = 63; without reuse 9 x 9 = 81.
  TopologyBuilder b({1, 7, 7});
  b.conv(1, 3, 2, 0);
  const LayerShape s = b.finish().layers[0];
  EXPECT_EQ(s.buffer_reads(), 63);
  EXPECT_EQ(s.buffer_reads_without_reuse(), 81);
}

TEST(Topology, NoReuseWithoutOverlap) {
  // Stride = kernel: the windows do not overlap; every value is read once either way (16).
  TopologyBuilder b({1, 4, 4});
  b.conv(1, 2, 2, 0);
  const LayerShape s = b.finish().layers[0];
  EXPECT_EQ(s.buffer_reads(), 16);
  EXPECT_EQ(s.buffer_reads_without_reuse(), 16);
}

TEST(Topology, BuilderRefusesMisfits) {
  {
    TopologyBuilder b({1, 28, 28});
    EXPECT_THROW(b.relu(), std::invalid_argument);
    EXPECT_THROW(b.conv(6, 29, 1, 0), std::invalid_argument);  // kernel larger than the input
    EXPECT_THROW(b.conv(0, 3, 1, 0), std::invalid_argument);
    b.dense(10);
    EXPECT_THROW(b.conv(6, 3, 1, 0), std::invalid_argument);  // conv after a dense layer
    EXPECT_THROW(b.pool(PoolKind::kMax, 2, 2), std::invalid_argument);
    b.relu();
    EXPECT_THROW(b.relu(), std::invalid_argument);
    EXPECT_THROW((void)b.finish(), std::invalid_argument);  // ReLU on the logits
  }
  {
    TopologyBuilder b({1, 8, 8});
    b.conv(2, 3, 1, 1);
    b.pool(PoolKind::kAverage, 2, 2);
    EXPECT_THROW(b.relu(), std::invalid_argument);  // ReLU after an average pool
    EXPECT_THROW(b.pool(PoolKind::kMax, 2, 2), std::invalid_argument);
  }
  {
    TopologyBuilder b({1, 8, 8});
    b.conv(2, 3, 1, 1);
    b.pool(PoolKind::kMax, 2, 2);
    b.relu();  // max pooling commutes with ReLU: accepted
    b.dense(10);
    EXPECT_TRUE(b.finish().layers[0].relu);
  }
  EXPECT_THROW(TopologyBuilder({0, 28, 28}), std::invalid_argument);
  EXPECT_THROW((void)TopologyBuilder({1, 28, 28}).finish(), std::invalid_argument);
}

}  // namespace
}  // namespace xbarsim::arch
