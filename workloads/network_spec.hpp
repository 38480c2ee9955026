// The `network:` section: layer widths of an MLP, checked against the data set it will see.
#pragma once

#include <filesystem>
#include <vector>

#include "core/params.hpp"
#include "workloads/dataset.hpp"

namespace xbarsim::workloads {

struct NetworkSpec {
  std::vector<int> widths;  // {inputs, hidden..., classes}
  // Trained fp32 weights to start from (a run folder's weights.bin; a relative path is relative
  // to the file that names it); empty: none.
  std::filesystem::path weights;

  // Whether the experiment can start from trained weights: where it cannot, `weights` is an
  // unknown key.
  enum WeightsKey { kNoWeights, kMayGiveWeights };

  // Reads `layers` (at least two positive widths) and, when allowed, `weights`.
  static NetworkSpec from_params(const Params& network, WeightsKey weights_key = kNoWeights);
  // Throws DataError when the first width is not the data's feature count or the last is not
  // its class count.
  void check_matches(const Dataset& data) const;
};

}  // namespace xbarsim::workloads
