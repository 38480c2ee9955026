#include "workloads/network_spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/cards.hpp"
#include "core/error.hpp"
#include "workloads/weights_io.hpp"

namespace xbarsim::workloads {

NetworkSpec NetworkSpec::from_params(const Params& network, WeightsKey weights_key) {
  NetworkSpec s;
  const bool onnx = weights_key == kMayGiveWeights && network.has("onnx");
  if (onnx) {
    s.onnx = network.string("onnx");
    if (network.has("weights")) {
      network.fail("onnx", "no network.weights beside it", "a network comes from network.weights or network.onnx");
    }
    s.onnx_network = std::make_shared<const OnnxNetwork>(import_onnx(network.file_path("onnx", true)));
  }
  if (!onnx || network.has("layers")) {
    for (auto w : network.integer_list("layers", 1, 1 << 20)) s.widths.push_back(static_cast<int>(w));
    if (s.widths.size() < 2) network.fail("layers", "at least two widths (inputs and classes)");
  }
  if (onnx) {
    if (network.has("layers") && s.widths != s.onnx_network->widths) {
      network.fail("layers", fmt::format("[{}], the widths of network.onnx", fmt::join(s.onnx_network->widths, ", ")),
                   "or leave network.layers out: it is taken from the model");
    }
    s.widths = s.onnx_network->widths;
  }
  if (weights_key == kMayGiveWeights && network.has("weights")) s.weights = network.file_path("weights", true);
  return s;
}

void NetworkSpec::load_trained(Mlp& net) const {
  if (onnx_network != nullptr) {
    onnx_network->copy_to(net);
  } else {
    load_weights(weights, net);
  }
}

nlohmann::json NetworkSpec::record() const {
  if (onnx_network == nullptr) return nullptr;
  return {{"onnx", onnx}, {"onnx_crc32", fmt::format("{:08x}", onnx_network->crc32)}, {"layers", widths}};
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
