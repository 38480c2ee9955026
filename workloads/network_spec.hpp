// The `network:` section: the layers of the network (a list of widths for an MLP, or a list of
// operations from an input shape: docs/networks.md), checked against the data set it will see.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arch/topology.hpp"
#include "core/params.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"
#include "workloads/onnx_import.hpp"

namespace xbarsim::workloads {

struct NetworkSpec {
  arch::Topology topology;
  // Trained fp32 weights to start from (a run folder's weights.bin; a relative path is relative
  // to the file that names it); empty: none.
  std::filesystem::path weights;
  // network.onnx (docs/onnx.md): the model as written in the configuration (a path relative to
  // the file that names it) and the network imported from it when the configuration is read.
  std::string onnx;
  std::shared_ptr<const OnnxNetwork> onnx_network;

  // Whether the experiment can start from trained weights: where it cannot, `weights` is an
  // unknown key.
  enum WeightsKey { kNoWeights, kMayGiveWeights };

  // Reads `layers` (at least two positive widths, or with `input: [C, H, W]` a list of
  // operations) and, when allowed, `weights` or `onnx` (not both). With `onnx` the model is
  // imported here (DataError when it cannot be) and `layers`, when given, must be its layers;
  // when absent the layers are the model's.
  static NetworkSpec from_params(const Params& network, WeightsKey weights_key = kNoWeights);
  // Whether the experiment starts from trained weights (network.weights or network.onnx).
  bool has_trained_weights() const { return !weights.empty() || onnx_network != nullptr; }
  // Loads those weights into `net` (of `topology`). Throws DataError as load_weights does.
  void load_trained(Network& net) const;
  // What report.json records of the network's source ({"onnx": file, "onnx_crc32": ...} with
  // network.onnx); null without.
  nlohmann::json record() const;
  // What report.json records as network.layers: the widths of an MLP, else one line per layer.
  nlohmann::json layers_record() const;
  // For log lines: "784-256-10" (an MLP) or the layers' descriptions joined by ", ".
  std::string summary() const;
  // Throws DataError when the network's input is not the data's feature count or its output is
  // not its class count.
  void check_matches(const Dataset& data) const;
};

}  // namespace xbarsim::workloads
