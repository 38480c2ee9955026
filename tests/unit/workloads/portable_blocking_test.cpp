// use_portable_blocking(): the product of two matrices must not depend on the cache sizes
// Eigen found on the CPU. The test pretends to be on two machines with very different caches
// (a small-cache core and a large-cache server), checks that the raw products differ in their
// last bits there (so the test can fail), then that after use_portable_blocking() both agree
// bit for bit.
#include "workloads/portable_blocking.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <random>

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Matrix m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = u(gen);
  return m;
}

// The product a * b planned for the given caches (bytes), or for the portable ones.
Matrix product_on(const Matrix& a, const Matrix& b, long l1, long l2, long l3, bool portable) {
  Eigen::setCpuCacheSizes(l1, l2, l3);
  if (portable) xbarsim::workloads::use_portable_blocking();
  Matrix c(a.rows(), b.cols());
  c.noalias() = a * b;
  return c;
}

TEST(PortableBlocking, ProductsDoNotDependOnTheCpuCaches) {
  // A 784-deep product, as the first layer of the MNIST MLP: deep enough that the inner
  // dimension is split into several blocks on a small cache.
  const Matrix a = random_matrix(128, 784, 1);
  const Matrix b = random_matrix(784, 100, 2);
  const long small[3] = {4L * 1024, 16L * 1024, 64L * 1024};
  const long large[3] = {48L * 1024, 1024L * 1024, 512L * 1024 * 1024};

  const Matrix raw_small = product_on(a, b, small[0], small[1], small[2], false);
  const Matrix raw_large = product_on(a, b, large[0], large[1], large[2], false);
  ASSERT_NE(raw_small, raw_large) << "the two cache plans should sum in different orders";

  const Matrix fixed_small = product_on(a, b, small[0], small[1], small[2], true);
  const Matrix fixed_large = product_on(a, b, large[0], large[1], large[2], true);
  EXPECT_EQ(fixed_small, fixed_large);
}

}  // namespace
