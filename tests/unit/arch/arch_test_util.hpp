// Helpers for the arch tests.
#pragma once

#include <memory>
#include <string>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch::testing {

// The device a `device:` flow map describes.
inline std::unique_ptr<devices::Device> make_device(const std::string& yaml) {
  const Params root = Params::from_string(yaml, "dev.yaml");
  return devices::DeviceRegistry::instance().create(root.child("device"));
}

}  // namespace xbarsim::arch::testing
