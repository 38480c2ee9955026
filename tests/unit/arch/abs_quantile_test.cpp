#include "arch/abs_quantile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.hpp"

namespace xbarsim::arch {
namespace {

TEST(AbsQuantile, WholeSmallMatrixSkipsZerosAndTakesMagnitudes) {
  // 3 x 4 = 12 values: two zeros and +-1 .. +-10. Sorted magnitudes 1..10: the q-quantile is the
  // ceil(10 q)-th: q = 0.5 -> 5, 0.9 -> 9, 0.95 -> ceil(9.5) = 10th -> 10, 0.01 -> 1st -> 1.
  Eigen::MatrixXf m(3, 4);
  m << 0, -2, 3, -4, 5, -6, 7, -8, 9, -10, 1, 0;
  std::vector<float> scratch;
  EXPECT_FLOAT_EQ(abs_quantile(m, 0.5F, 100, scratch), 5.0F);
  EXPECT_FLOAT_EQ(abs_quantile(m, 0.9F, 100, scratch), 9.0F);
  EXPECT_FLOAT_EQ(abs_quantile(m, 0.95F, 100, scratch), 10.0F);
  EXPECT_FLOAT_EQ(abs_quantile(m, 0.01F, 100, scratch), 1.0F);
}

TEST(AbsQuantile, AllZeroGivesZero) {
  std::vector<float> scratch;
  EXPECT_EQ(abs_quantile(Eigen::MatrixXf::Zero(8, 8), 0.99F, 16, scratch), 0.0F);
}

TEST(AbsQuantile, StridedSampleOfUniformMagnitudesWithinItsSamplingError) {
  // 1000 x 1000 values U(-1, 1): |x| is U(0, 1), whose 0.99-quantile is 0.99. A sample of at most
  // 16384 values (stride ceil(1e6 / 16384) = 62, not a multiple of 1000: ceil(1e6 / 62) = 16130
  // values) estimates it with standard error sqrt(q (1 - q) / N) / f(x_q) = sqrt(0.0099 / 16130)
  // / 1 = 7.8e-4 (the density of |x| is 1): 4 standard errors, 3.1e-3.
  Rng rng(5);
  Eigen::MatrixXf m(1000, 1000);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(2.0 * rng.uniform() - 1.0);
  std::vector<float> scratch;
  EXPECT_NEAR(abs_quantile(m, 0.99F, 16384, scratch), 0.99, 4.0 * std::sqrt(0.99 * 0.01 / 16130.0));
  EXPECT_LE(scratch.size(), 16384U);
}

TEST(AbsQuantile, StrideNeverSamplesOneOutputLineOnly) {
  // 64 lines x 16384 vectors: ceil(2^20 / 2^14) = 64 = the column length would read line 0 of
  // every vector only. Line 0 holds 1, every other line 2: sampling all lines evenly, 63 of 64
  // sampled values are 2, so the median is 2 (a line-0-only sample would give 1).
  Eigen::MatrixXf m = Eigen::MatrixXf::Constant(64, 16384, 2.0F);
  m.row(0).setConstant(1.0F);
  std::vector<float> scratch;
  EXPECT_FLOAT_EQ(abs_quantile(m, 0.5F, 16384, scratch), 2.0F);
}

}  // namespace
}  // namespace xbarsim::arch
