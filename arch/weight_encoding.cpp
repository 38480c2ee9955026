#include "arch/weight_encoding.hpp"

#include <algorithm>
#include <cmath>

namespace xbarsim::arch {

WeightEncoder::WeightEncoder(const devices::Device& device, WeightEncoding encoding)
    : device_(device),
      encoding_(encoding),
      g_min_f_(static_cast<float>(device.g_min())),
      dg_f_(static_cast<float>(device.g_max() - device.g_min())),
      reference_f_(static_cast<float>(reference_conductance())) {}

double WeightEncoder::unit_conductance() const {
  const double dg = device_.g_max() - device_.g_min();
  return encoding_ == WeightEncoding::kDifferential ? dg : dg / 2.0;
}

double WeightEncoder::reference_conductance() const {
  return encoding_ == WeightEncoding::kOffset ? 0.5 * (device_.g_min() + device_.g_max()) : 0.0;
}

std::vector<float> WeightEncoder::level_weights() const {
  std::vector<float> v;
  const int n = device_.levels();
  if (n <= 0) return v;  // analog: continuous
  const double g_min = device_.g_min();
  const double dg = device_.g_max() - g_min;
  if (encoding_ == WeightEncoding::kOffset) {
    const double g_ref = 0.5 * (g_min + device_.g_max());
    for (int k = 0; k < n; ++k) v.push_back(static_cast<float>((device_.level_conductance(k) - g_ref) / (dg / 2.0)));
  } else {
    for (int k = 0; k < n; ++k) {
      const auto w = static_cast<float>((device_.level_conductance(k) - g_min) / dg);
      v.push_back(w);
      v.push_back(-w);
    }
  }
  std::sort(v.begin(), v.end());
  // Levels closer than float resolution are one level (+0 and -0 of the differential pair).
  v.erase(std::unique(v.begin(), v.end(), [](float a, float b) { return std::abs(a - b) <= 1e-6F; }), v.end());
  return v;
}

}  // namespace xbarsim::arch
