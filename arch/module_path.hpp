// The ledger path of a part, derived from its place in the chip's SystemC module tree: the
// hierarchical name without the chip's own (root) name, '.' read as '/'. Module
// "chip.layer0.tile3_1" has the path "layer0/tile3_1"; under a phase it becomes
// "inference/layer0/tile3_1/...", whatever the chip is called.
#pragma once

#include <string>
#include <systemc>

namespace xbarsim::arch {

inline std::string ledger_path(const sc_core::sc_object& part) {
  std::string path = part.name();
  const std::size_t root_end = path.find('.');
  path = root_end == std::string::npos ? std::string() : path.substr(root_end + 1);
  for (char& c : path) {
    if (c == '.') c = '/';
  }
  return path;
}

}  // namespace xbarsim::arch
