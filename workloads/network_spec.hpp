// The `network:` section: layer widths of an MLP, checked against the data set it will see.
#pragma once

#include <vector>

#include "core/params.hpp"
#include "workloads/dataset.hpp"

namespace xbarsim::workloads {

struct NetworkSpec {
  std::vector<int> widths;  // {inputs, hidden..., classes}

  // Reads `layers` (at least two positive widths).
  static NetworkSpec from_params(const Params& network);
  // Throws DataError when the first width is not the data's feature count or the last is not
  // its class count.
  void check_matches(const Dataset& data) const;
};

}  // namespace xbarsim::workloads
