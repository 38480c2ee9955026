#include "arch/abs_quantile.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace xbarsim::arch {

float abs_quantile(const Eigen::MatrixXf& m, float q, Eigen::Index max_sample, std::vector<float>& scratch) {
  const Eigen::Index n = m.size();
  Eigen::Index stride = std::max<Eigen::Index>(1, (n + max_sample - 1) / std::max<Eigen::Index>(1, max_sample));
  if (stride > 1 && m.rows() > 1 && stride % m.rows() == 0) ++stride;
  scratch.clear();
  for (Eigen::Index i = 0; i < n; i += stride) {
    const float a = std::abs(m.data()[i]);
    if (a > 0.0F) scratch.push_back(a);
  }
  if (scratch.empty()) return 0.0F;
  const auto size = static_cast<double>(scratch.size());
  const auto k = static_cast<std::size_t>(std::clamp(std::ceil(static_cast<double>(q) * size) - 1.0, 0.0, size - 1.0));
  std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k), scratch.end());
  return scratch[k];
}

}  // namespace xbarsim::arch
