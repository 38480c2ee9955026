// Fuzz target: the ONNX importer (workloads/onnx_import.cpp). Accepted outcomes: a network whose
// matrices have its layers' shapes (weight_outputs x weight_inputs), whose layers chain, with
// finite weights and biases, or DataError. With XBARSIM_FUZZ_SEEDS set, start-up writes there as
// seeds a valid 4-3-2 model (Flatten, Gemm, Relu, MatMul + Add, Softmax) and a convolutional one
// written by the exporter (Conv, Relu, MaxPool, Flatten, Gemm).
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/onnx_export.hpp"
#include "workloads/onnx_import.hpp"

namespace {

void add_floats(onnx::GraphProto& g, const std::string& name, const std::vector<std::int64_t>& dims,
                std::size_t count) {
  auto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (auto d : dims) t->add_dims(d);
  for (std::size_t k = 0; k < count; ++k) t->add_float_data(0.25F * static_cast<float>(k % 7) - 0.5F);
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const char* op, const std::vector<std::string>& inputs,
                          const char* out) {
  auto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(std::string(op) + "_" + out);
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(out);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const auto dir = xbarsim::fuzz::seed_dir(); !dir.empty()) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(13);
    auto& g = *m.mutable_graph();
    auto* in = g.add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    for (std::int64_t d : {1, 1, 2, 2}) tt->mutable_shape()->add_dim()->set_dim_value(d);
    add_floats(g, "w0", {3, 4}, 12);
    add_floats(g, "b0", {3}, 3);
    add_floats(g, "w1", {3, 2}, 6);
    add_floats(g, "b1", {2}, 2);
    add_node(g, "Flatten", {"x"}, "f");
    auto* a = add_node(g, "Gemm", {"f", "w0", "b0"}, "z0")->add_attribute();
    a->set_name("transB");
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(1);
    add_node(g, "Relu", {"z0"}, "h0");
    add_node(g, "MatMul", {"h0", "w1"}, "m1");
    add_node(g, "Add", {"m1", "b1"}, "z1");
    add_node(g, "Softmax", {"z1"}, "p");
    g.add_output()->set_name("p");
    std::ofstream(dir / "seed_4_3_2.onnx", std::ios::binary) << m.SerializeAsString();
    // 1x4x4 -> Conv 2@3x3 padded by 1 -> Relu -> MaxPool 2 -> Flatten -> Gemm 3.
    xbarsim::arch::TopologyBuilder b({1, 4, 4});
    b.conv(2, 3, 1, 1);
    b.relu();
    b.pool(xbarsim::arch::PoolKind::kMax, 2, 2);
    b.flatten();
    b.dense(3);
    xbarsim::workloads::Network net(b.finish());
    xbarsim::Rng rng(1, 0);
    net.init_he(rng);
    xbarsim::workloads::export_onnx(net, dir / "seed_conv_1x4x4.onnx");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = xbarsim::fuzz::scratch_dir() / "model.onnx";
  xbarsim::fuzz::write_bytes(file, data, size);
  (void)xbarsim::fuzz::as_the_cli_would([&] {
    const auto net = xbarsim::workloads::import_onnx(file);
    const auto& layers = net.topology.layers;
    if (layers.size() != net.weights.size() || net.biases.size() != net.weights.size()) std::abort();
    for (std::size_t l = 0; l < net.weights.size(); ++l) {
      const auto& w = net.weights[l];
      if (w.rows() != layers[l].weight_outputs() || w.cols() != layers[l].weight_inputs()) std::abort();
      if (net.biases[l].size() != w.rows()) std::abort();
      if (l > 0 && layers[l].in.size() != layers[l - 1].pooled().size()) std::abort();  // the layers chain
      if (!w.allFinite() || !net.biases[l].allFinite()) std::abort();  // the importer promises finite values
    }
    if (layers.empty() || layers[0].in.size() != net.topology.features()) std::abort();
  });
  return 0;
}
