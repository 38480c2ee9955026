// network.onnx: a fully connected network read from an ONNX model (docs/onnx.md), as the widths
// and fp32 weights of a Network (workloads/network.hpp: z = W x + b, ReLU after every layer but
// the last, inputs the preprocessed pixels: p / 255 by default, data.preprocess).
//
// The graph must be one chain from its single input to its single output, made of (operator
// semantics from the ONNX operator specification, https://onnx.ai/onnx/operators/):
//   - Flatten (axis 1) or Reshape (to [-1 or 0, F]) before the first layer, turning an input of
//     [N, 1, H, W] (or [N, F]) into [N, F];
//   - per layer, Gemm (alpha = beta = 1, transA = 0, transB 0 or 1, B and C initializers) or
//     MatMul by an initializer followed by Add of an initializer (the bias);
//   - Relu between every two layers, none after the last;
//   - optionally a final Softmax or LogSoftmax over the classes, which is ignored: both are
//     monotonic, so the arg-max (the predicted class) of the logits is the same.
// Weights and biases are FLOAT initializers (raw_data little-endian, or float_data) stored in the
// file. Anything else (Conv, other attributes, dtypes, shapes, graph forms) is refused with one
// line naming the file, the node and what is supported.
#pragma once

#include <Eigen/Dense>
#include <filesystem>
#include <vector>

#include "workloads/network.hpp"

namespace xbarsim::workloads {

struct OnnxNetwork {
  std::vector<int> widths;               // {inputs, hidden..., classes}
  std::vector<Eigen::MatrixXf> weights;  // per layer, (out x in)
  std::vector<Eigen::VectorXf> biases;   // per layer, out
  std::uint32_t crc32 = 0;               // of the file's bytes

  // Copies the weights and biases into `net`, whose widths must be `widths`.
  void copy_to(Network& net) const;
};

// Throws DataError (one line naming the file and, where one is at fault, the node) when the file
// cannot be read, is not an ONNX model or is not a network of the supported form.
OnnxNetwork import_onnx(const std::filesystem::path& file);

}  // namespace xbarsim::workloads
