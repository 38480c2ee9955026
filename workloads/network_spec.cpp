#include "workloads/network_spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "core/cards.hpp"
#include "core/error.hpp"
#include "workloads/weights_io.hpp"

namespace xbarsim::workloads {
namespace {

// `input: [C, H, W]` and `layers:` as a list of operations (docs/networks.md).
arch::Topology read_graph(const Params& network) {
  const std::vector<std::int64_t> in = network.integer_list("input", 1, 1 << 16);
  if (in.size() != 3) network.fail("input", "[channels, height, width]");
  arch::TopologyBuilder b({static_cast<int>(in[0]), static_cast<int>(in[1]), static_cast<int>(in[2])});
  for (const Params& item : network.child_list("layers")) {
    const std::string op = item.choice("op", {"conv", "dense", "relu", "maxpool", "avgpool", "flatten"});
    try {
      if (op == "conv") {
        const auto channels = static_cast<int>(item.integer("channels", 1, 1 << 16));
        const auto kernel = static_cast<int>(item.integer("kernel", 1, 64));
        const auto stride = static_cast<int>(item.integer_or("stride", 1, 1, 64));
        const auto padding = static_cast<int>(item.integer_or("padding", 0, 0, 64));
        b.conv(channels, kernel, stride, padding);
      } else if (op == "dense") {
        b.dense(static_cast<int>(item.integer("outputs", 1, 1 << 20)));
      } else if (op == "relu") {
        b.relu();
      } else if (op == "flatten") {
        b.flatten();
      } else {
        const auto size = static_cast<int>(item.integer("size", 1, 64));
        const auto stride = static_cast<int>(item.integer_or("stride", size, 1, 64));
        b.pool(op == "maxpool" ? arch::PoolKind::kMax : arch::PoolKind::kAverage, size, stride);
      }
    } catch (const std::invalid_argument& e) {
      item.fail("op",
                fmt::format("an operation that fits its input ({}x{}x{})", b.current().channels, b.current().height,
                            b.current().width),
                e.what());
    }
  }
  try {
    return b.finish();
  } catch (const std::invalid_argument& e) {
    network.fail("layers", "a network ending in a weighted layer", e.what());
  }
}

}  // namespace

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
    if (network.holds_map_list("layers")) {
      s.topology = read_graph(network);
    } else {
      std::vector<int> widths;
      for (auto w : network.integer_list("layers", 1, 1 << 20)) widths.push_back(static_cast<int>(w));
      if (widths.size() < 2) network.fail("layers", "at least two widths (inputs and classes)");
      s.topology = arch::Topology::mlp(widths);
    }
  }
  if (onnx) {
    const arch::Topology& model = s.onnx_network->topology;
    // An MLP is its widths (whatever the shape of its input); a convolution also needs its input
    // shape, which network.input gives.
    const bool same = model.has_conv() ? s.topology.input == model.input && s.topology.describe() == model.describe()
                                       : s.topology.widths() == model.widths();
    if (network.has("layers") && !same) {
      const arch::FeatureShape& in = model.input;
      const std::string layers = model.has_conv()
                                     ? fmt::format("[{}] on a {}x{}x{} input, the layers",
                                                   fmt::join(model.describe(), "; "), in.channels, in.height, in.width)
                                     : fmt::format("[{}], the widths", fmt::join(model.widths(), ", "));
      network.fail("layers", layers + " of network.onnx", "or leave network.layers out: it is taken from the model");
    }
    s.topology = model;
  }
  if (weights_key == kMayGiveWeights && network.has("weights")) s.weights = network.file_path("weights", true);
  return s;
}

void NetworkSpec::load_trained(Network& net) const {
  if (onnx_network != nullptr) {
    onnx_network->copy_to(net);
  } else {
    load_weights(weights, net);
  }
}

nlohmann::json NetworkSpec::record() const {
  if (onnx_network == nullptr) return nullptr;
  return {{"onnx", onnx}, {"onnx_crc32", fmt::format("{:08x}", onnx_network->crc32)}, {"layers", layers_record()}};
}

nlohmann::json NetworkSpec::layers_record() const {
  if (!topology.has_conv()) return topology.widths();
  nlohmann::json layers = nlohmann::json::array();
  for (const std::string& l : topology.describe()) layers.push_back(l);
  return layers;
}

std::string NetworkSpec::summary() const {
  return topology.has_conv() ? fmt::format("{}", fmt::join(topology.describe(), ", "))
                             : fmt::format("{}", fmt::join(topology.widths(), "-"));
}

void NetworkSpec::check_matches(const Dataset& data) const {
  // A network of operations reads its input as a map: it must be the images' own shape.
  const arch::FeatureShape& in = topology.input;
  const bool map_input = in.height > 1 || in.width > 1;
  if (map_input && (in.channels != 1 || in.height != data.height || in.width != data.width)) {
    throw DataError(fmt::format("{}: network.input is [{}, {}, {}], the images are [1, {}, {}]", data.name, in.channels,
                                in.height, in.width, data.height, data.width));
  }
  if (static_cast<std::size_t>(topology.features()) != data.features || topology.classes() != data.classes) {
    const std::string layers = topology.has_conv() ? fmt::format("{}", fmt::join(topology.describe(), "; "))
                                                   : fmt::format("{}", fmt::join(topology.widths(), ", "));
    throw DataError(fmt::format("{}: network layers [{}] do not fit the data: expected {} inputs and {} classes",
                                data.name, layers, data.features, data.classes));
  }
}

}  // namespace xbarsim::workloads

// A network card (configs/networks/): its layers, and a weights file where one is named.
XBARSIM_REGISTER_CARD("network", [](const xbarsim::Params& p) {
  (void)xbarsim::workloads::NetworkSpec::from_params(p, xbarsim::workloads::NetworkSpec::kMayGiveWeights);
})
