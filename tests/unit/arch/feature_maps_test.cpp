// im2col, its adjoint, the two layouts of a convolution's output and pooling
// (arch/feature_maps.hpp), against hand values and a direct convolution.
#include "arch/feature_maps.hpp"

#include <gtest/gtest.h>

#include <random>

namespace xbarsim::arch {
namespace {

using M = FeatureBatch<double>;

LayerShape conv_shape(FeatureShape in, int out_channels, int kernel, int stride, int padding) {
  TopologyBuilder b(in);
  b.conv(out_channels, kernel, stride, padding);
  return b.finish().layers[0];
}

M random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  M m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = u(gen);
  return m;
}

TEST(FeatureMaps, Im2colByHand) {
  // One 3x3 image 1..9 (row-major), 2x2 kernel, stride 1: four windows, each (kh, kw) ordered.
  const LayerShape s = conv_shape({1, 3, 3}, 1, 2, 1, 0);
  M x(9, 1);
  for (int i = 0; i < 9; ++i) x(i) = i + 1;
  M cols;
  im2col<double>(s, x, cols);
  ASSERT_EQ(cols.rows(), 4);
  ASSERT_EQ(cols.cols(), 4);
  const double expected[4][4] = {{1, 2, 4, 5}, {2, 3, 5, 6}, {4, 5, 7, 8}, {5, 6, 8, 9}};
  for (int p = 0; p < 4; ++p) {
    for (int r = 0; r < 4; ++r) EXPECT_EQ(cols(r, p), expected[p][r]) << "window " << p << " row " << r;
  }
  // Padding 1, 3x3 kernel: window (0, 0) is centred on pixel 1; its top row and left column are 0.
  const LayerShape sp = conv_shape({1, 3, 3}, 1, 3, 1, 1);
  im2col<double>(sp, x, cols);
  ASSERT_EQ(cols.cols(), 9);
  const double first[9] = {0, 0, 0, 0, 1, 2, 0, 4, 5};
  for (int r = 0; r < 9; ++r) EXPECT_EQ(cols(r, 0), first[r]);
}

TEST(FeatureMaps, ConvolutionThroughIm2colEqualsTheDirectSum) {
  // y[o][i][j] = b[o] + sum_c,kh,kw W[o][c][kh][kw] x[c][i s - p + kh][j s - p + kw], 0 outside.
  const LayerShape s = conv_shape({2, 6, 5}, 3, 3, 2, 1);
  const int batch = 2;
  const M x = random_matrix(s.in.size(), batch, 1);
  const M w = random_matrix(3, s.weight_inputs(), 2);  // (o) x (c, kh, kw)
  M cols, z, y;
  im2col<double>(s, x, cols);
  z = w * cols;
  vectors_to_maps<double>(z, s.windows(), y);
  ASSERT_EQ(y.rows(), s.out.size());
  for (int b = 0; b < batch; ++b) {
    for (int o = 0; o < 3; ++o) {
      for (int i = 0; i < s.out.height; ++i) {
        for (int j = 0; j < s.out.width; ++j) {
          double sum = 0.0;
          for (int c = 0; c < 2; ++c) {
            for (int kh = 0; kh < 3; ++kh) {
              for (int kw = 0; kw < 3; ++kw) {
                const int ih = i * 2 - 1 + kh;
                const int iw = j * 2 - 1 + kw;
                if (ih < 0 || ih >= 6 || iw < 0 || iw >= 5) continue;
                sum += w(o, (c * 3 + kh) * 3 + kw) * x((c * 6 + ih) * 5 + iw, b);
              }
            }
          }
          EXPECT_NEAR(y((o * s.out.height + i) * s.out.width + j, b), sum, 1e-12);
        }
      }
    }
  }
  // And back: maps_to_vectors inverts vectors_to_maps exactly.
  M z2;
  maps_to_vectors<double>(y, 3, z2);
  EXPECT_EQ(z2, z);
}

TEST(FeatureMaps, Col2imIsTheAdjointOfIm2col) {
  // <im2col(x), c> = <x, col2im(c)> for every x and c: the transposed convolution of the errors.
  for (const LayerShape& s :
       {conv_shape({2, 6, 5}, 3, 3, 2, 1), conv_shape({3, 7, 7}, 2, 5, 1, 2), conv_shape({1, 4, 4}, 1, 2, 2, 0)}) {
    const M x = random_matrix(s.in.size(), 3, 3);
    M cols, back;
    im2col<double>(s, x, cols);
    const M c = random_matrix(cols.rows(), cols.cols(), 4);
    col2im<double>(s, c, back);
    const double lhs = (cols.array() * c.array()).sum();
    const double rhs = (x.array() * back.array()).sum();
    EXPECT_NEAR(lhs, rhs, 1e-12 * (std::abs(lhs) + 1.0)) << s.describe();
  }
}

TEST(FeatureMaps, PoolingByHand) {
  TopologyBuilder b({1, 4, 4});
  b.conv(1, 1, 1, 0);  // a 1x1 convolution: its output map is 1 x 4 x 4
  b.pool(PoolKind::kMax, 2, 2);
  const LayerShape s = b.finish().layers[0];
  // y = [[1 5 2 2] [3 0 2 1] [0 0 9 8] [7 0 9 4]]: maxima 5, 2, 7, 9 (the first 9 in the window).
  M y(16, 1);
  const double v[16] = {1, 5, 2, 2, 3, 0, 2, 1, 0, 0, 9, 8, 7, 0, 9, 4};
  for (int i = 0; i < 16; ++i) y(i) = v[i];
  M p;
  pool_forward<double>(s, y, p);
  ASSERT_EQ(p.rows(), 4);
  EXPECT_EQ(p(0), 5);
  EXPECT_EQ(p(1), 2);  // a tie between 2, 2, 2: the first
  EXPECT_EQ(p(2), 7);
  EXPECT_EQ(p(3), 9);
  M dp(4, 1);
  dp << 10, 20, 30, 40;
  M dy;
  pool_backward<double>(s, y, dp, dy);
  // Each gradient lands on its window's first maximum: 5 at (0,1), 2 at (0,2), 7 at (3,0), 9 at (2,2).
  M expected = M::Zero(16, 1);
  expected(1) = 10;
  expected(2) = 20;
  expected(12) = 30;
  expected(10) = 40;
  EXPECT_EQ(dy, expected);

  LayerShape avg = s;
  avg.pool = PoolKind::kAverage;
  pool_forward<double>(avg, y, p);
  EXPECT_DOUBLE_EQ(p(0), (1 + 5 + 3 + 0) / 4.0);
  EXPECT_DOUBLE_EQ(p(3), (9 + 8 + 9 + 4) / 4.0);
  pool_backward<double>(avg, y, dp, dy);
  EXPECT_DOUBLE_EQ(dy(0), 2.5);       // 10 / 4
  EXPECT_DOUBLE_EQ(dy(15), 10.0);     // 40 / 4
  EXPECT_DOUBLE_EQ(dy.sum(), 100.0);  // each window passes on its whole gradient
}

}  // namespace
}  // namespace xbarsim::arch
