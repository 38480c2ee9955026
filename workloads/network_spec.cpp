#include "workloads/network_spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/cards.hpp"
#include "core/error.hpp"

namespace xbarsim::workloads {

NetworkSpec NetworkSpec::from_params(const Params& network, WeightsKey weights_key) {
  NetworkSpec s;
  for (auto w : network.integer_list("layers", 1, 1 << 20)) s.widths.push_back(static_cast<int>(w));
  if (s.widths.size() < 2) network.fail("layers", "at least two widths (inputs and classes)");
  if (weights_key == kMayGiveWeights && network.has("weights")) s.weights = network.file_path("weights", true);
  return s;
}

void NetworkSpec::check_matches(const Dataset& data) const {
  if (static_cast<std::size_t>(widths.front()) != data.features || widths.back() != data.classes) {
    throw DataError(fmt::format("{}: network layers [{}] do not fit the data: expected {} inputs and {} classes",
                                data.name, fmt::join(widths, ", "), data.features, data.classes));
  }
}

}  // namespace xbarsim::workloads

// A network card (configs/networks/): its layers, and a weights file where one is named.
XBARSIM_REGISTER_CARD("network", [](const xbarsim::Params& p) {
  (void)xbarsim::workloads::NetworkSpec::from_params(p, xbarsim::workloads::NetworkSpec::kMayGiveWeights);
})
