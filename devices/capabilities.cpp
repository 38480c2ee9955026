#include "devices/capabilities.hpp"

#include <cmath>

namespace xbarsim::devices {

double GlobalDriftReadout::readout(std::span<const float> out) const {
  double r = 0.0;
  for (float v : out) r += std::abs(static_cast<double>(v));
  return r;
}

double GlobalDriftReadout::compensation_scale(double reference_readout, double now_readout) const {
  return now_readout > 0.0 ? reference_readout / now_readout : 1.0;
}

}  // namespace xbarsim::devices
