// Device interface helpers and the `device:` card kind for `xbarsim validate`.
#include "devices/device.hpp"

#include <algorithm>
#include <cmath>

#include "core/cards.hpp"

namespace xbarsim::devices {

int Device::nearest_level(double g_S) const { return nearest_level_of(level_conductances(), g_S); }

std::vector<double> Device::level_conductances() const {
  std::vector<double> g(static_cast<std::size_t>(std::max(levels(), 0)));
  for (std::size_t k = 0; k < g.size(); ++k) g[k] = level_conductance(static_cast<int>(k));
  return g;
}

int nearest_level_of(std::span<const double> level_g, double g_S) {
  int best = 0;
  double best_d = std::abs(g_S - level_g[0]);
  for (std::size_t k = 1; k < level_g.size(); ++k) {
    const double d = std::abs(g_S - level_g[k]);
    if (d < best_d) {
      best_d = d;
      best = static_cast<int>(k);
    }
  }
  return best;
}

}  // namespace xbarsim::devices

XBARSIM_REGISTER_CARD("device",
                      [](const xbarsim::Params& p) { xbarsim::devices::DeviceRegistry::instance().create(p); })
