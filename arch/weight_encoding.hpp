// The one mapping between normalized weights w in [-1, 1] and device conductances, for both
// weight encodings (arch/mapping.hpp): the targets a weight is programmed to, the conductance
// difference a weight of 1 stands for, and the weights a discrete device's levels represent.
#pragma once

#include <algorithm>
#include <vector>

#include "arch/mapping.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch {

class WeightEncoder {
 public:
  // `device` must outlive the encoder.
  WeightEncoder(const devices::Device& device, WeightEncoding encoding);

  WeightEncoding encoding() const { return encoding_; }
  // Devices per weight: 2 (differential pair) or 1 (offset).
  int devices_per_weight() const { return encoding_ == WeightEncoding::kDifferential ? 2 : 1; }
  // Conductance difference that stands for a weight of +1, S: G_max - G_min (differential) or
  // (G_max - G_min) / 2 (offset).
  double unit_conductance() const;
  // Reference conductance of the offset encoding, S ((G_min + G_max) / 2); 0 for differential.
  double reference_conductance() const;
  // Target conductance, S, of each device of a weight w (clipped to [-1, 1]) into
  // device_targets[0 .. devices_per_weight()): differential G+ = G_min + max(w, 0) dG,
  // G- = G_min + max(-w, 0) dG; offset G = G_ref + w dG / 2.
  // Inline: the arrays call it once per weight on the programming path.
  void targets(float w, float* device_targets) const {
    const float c = std::clamp(w, -1.0F, 1.0F);
    if (encoding_ == WeightEncoding::kDifferential) {
      device_targets[0] = g_min_f_ + std::max(c, 0.0F) * dg_f_;
      device_targets[1] = g_min_f_ + std::max(-c, 0.0F) * dg_f_;
    } else {
      device_targets[0] = reference_f_ + c * dg_f_ * 0.5F;
    }
  }
  // The normalized weights the device's levels represent, ascending, levels closer than 1e-6
  // merged (the +0 and -0 of a pair); empty for a continuous device (levels() == 0).
  std::vector<float> level_weights() const;

 private:
  const devices::Device& device_;
  WeightEncoding encoding_;
  // The device's constants on the programming path, read once (no virtual call per cell).
  float g_min_f_ = 0.0F;
  float dg_f_ = 0.0F;
  float reference_f_ = 0.0F;
};

}  // namespace xbarsim::arch
