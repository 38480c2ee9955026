// Helpers shared by the device unit tests: build a device from YAML text, sample statistics.
#pragma once

#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::devices::testing {

// Builds the device of a card given as YAML text (origin "card.yaml") and checks that every key
// was read, as the CLI does.
inline std::unique_ptr<Device> make_device(const std::string& yaml) {
  const Params root = Params::from_string(yaml, "card.yaml");
  auto dev = DeviceRegistry::instance().create(root.child("device"));
  root.check_all_read();
  return dev;
}

struct Moments {
  double mean = 0.0;
  double sd = 0.0;  // sample standard deviation (n - 1)
};

inline Moments moments(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / (n - 1.0))};
}

inline std::vector<std::uint32_t> iota_index(std::size_t n) {
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0U);
  return idx;
}

// Standard normal CDF.
inline double phi_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace xbarsim::devices::testing
