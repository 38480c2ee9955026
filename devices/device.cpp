// Device interface helpers and the `device:` card kind for `xbarsim validate`.
#include "devices/device.hpp"

#include <cmath>

#include "core/cards.hpp"

namespace xbarsim::devices {

int Device::nearest_level(double g_S) const {
  const int n = levels();
  int best = 0;
  double best_d = std::abs(g_S - level_conductance(0));
  for (int k = 1; k < n; ++k) {
    const double d = std::abs(g_S - level_conductance(k));
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

}  // namespace xbarsim::devices

XBARSIM_REGISTER_CARD("device", [](const xbarsim::Params& p) {
  xbarsim::devices::DeviceRegistry::instance().create(p);
})
