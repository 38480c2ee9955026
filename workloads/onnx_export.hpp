// model.onnx: an fp32 Network written as an ONNX model (docs/onnx.md, Export), so that a network
// trained in xbarsim can be read by other tools (onnxruntime, PyTorch via onnx2torch, Netron) and
// by network.onnx. Opset 13; graph input "input", [N, C, H, W] (or [N, F] for a network of fully
// connected layers on a vector input), N symbolic; graph output "logits", [N, classes]. Per layer:
// Conv (weight [O, C, k, k], bias [O]) or Gemm (transB 1, weight [out, in], bias [out]), then Relu,
// then MaxPool / AveragePool; a Flatten before the first Gemm (and after the last layer when it is
// a convolution). Weights are FLOAT initializers, raw_data little-endian.
#pragma once

#include <filesystem>

#include "workloads/network.hpp"

namespace xbarsim::workloads {

// Writes `net` to `file` atomically (core/report.hpp: write_file_atomic; EnvironmentError when
// the path cannot be written).
void export_onnx(const Network& net, const std::filesystem::path& file);

}  // namespace xbarsim::workloads
