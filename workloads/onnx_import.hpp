// network.onnx: a feed-forward network read from an ONNX model (docs/onnx.md), as the topology
// (arch/topology.hpp) and fp32 weights of a Network (workloads/network.hpp: z = W x + b per layer
// or per convolution window, ReLU after every layer but the last, optional pooling after a
// convolution, inputs the preprocessed
// pixels: p / 255 by default, data.preprocess).
//
// The graph must be one chain from its single input ([N, C, H, W] or [N, F]) to its single output
// ([N, classes]), made of (operator semantics from the ONNX operator specification,
// https://onnx.ai/onnx/operators/):
//   - Conv: group 1, dilations 1, a square kernel, equal strides, the same padding on every side
//     (auto_pad NOTSET or VALID), weight [O, C, k, k] and optional bias [O] initializers;
//   - MaxPool / AveragePool after a convolution: a square kernel, equal strides, no padding,
//     ceil_mode 0;
//   - Flatten (axis 1) or Reshape (to [-1 or 0, F]) of the input or of the last feature map,
//     before the first fully connected layer;
//   - per fully connected layer, Gemm (alpha = beta = 1, transA = 0, transB 0 or 1, B and C
//     initializers) or MatMul by an initializer followed by Add of an initializer (the bias);
//   - Relu between every two layers (before or after a max pool), none after the last;
//   - optionally a final Softmax or LogSoftmax over the classes, which is ignored: both are
//     monotonic, so the arg-max (the predicted class) of the logits is the same.
// Weights and biases are FLOAT initializers (raw_data little-endian, or float_data) stored in the
// file. Anything else (other operators, attributes, dtypes, shapes, graph forms) is refused with
// one line naming the file, the node and what is supported.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "arch/topology.hpp"
#include "workloads/network.hpp"

namespace xbarsim::workloads {

struct OnnxNetwork {
  arch::Topology topology;               // input shape from the graph input, then its layers
  std::vector<Eigen::MatrixXf> weights;  // per layer, weight_outputs x weight_inputs (a convolution's
                                         // inputs ordered (channel, kernel row, kernel column))
  std::vector<Eigen::VectorXf> biases;   // per layer, weight_outputs
  std::uint32_t crc32 = 0;               // of the file's bytes

  // Copies the weights and biases into `net`, whose layers must be `topology`'s.
  void copy_to(Network& net) const;
};

// Throws DataError (one line naming the file and, where one is at fault, the node) when the file
// cannot be read, is not an ONNX model or is not a network of the supported form.
OnnxNetwork import_onnx(const std::filesystem::path& file);

}  // namespace xbarsim::workloads
