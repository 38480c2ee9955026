#include "periphery/cost.hpp"

#include <fmt/format.h>

#include <cmath>

namespace xbarsim::periphery {

Figure override_or(const Params& p, std::string_view key, units::Dimension dim, Figure computed) {
  if (!p.has(key)) return computed;
  const double v = p.quantity(key, dim, 0.0);
  const std::string path = p.path().empty() ? std::string(key) : fmt::format("{}.{}", p.path(), key);
  return Figure{v, fmt::format("config override ({} {})", p.where(), path)};
}

double energy_scale(double feature_size, double vdd, double ref_feature_size, double ref_vdd) {
  return (feature_size / ref_feature_size) * (vdd / ref_vdd) * (vdd / ref_vdd);
}

double area_scale(double feature_size, double ref_feature_size) {
  const double r = feature_size / ref_feature_size;
  return r * r;
}

long long cycles_of(double seconds, double clock_hz) {
  const double c = seconds * clock_hz;
  return static_cast<long long>(std::ceil(c * (1.0 - 1e-9)));
}

}  // namespace xbarsim::periphery
