// model.onnx (workloads/onnx_export.hpp): the model's form (opset 13, "input" [N, C, H, W] with N
// symbolic, "logits", FLOAT raw_data initializers, the nodes in order); ONNX's own checker and
// strict shape inference (libonnx, the reference implementation of the specification) accept it
// and infer every feature map's shape; and the round trip through network.onnx's importer: the
// same layers, the same weights bit for bit, the same outputs.
#include "workloads/onnx_export.hpp"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "workloads/onnx_import.hpp"

namespace xbarsim::workloads {
namespace {

class OnnxExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("xbarsim_onnx_export_test_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static onnx::ModelProto read(const std::filesystem::path& f) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    onnx::ModelProto m;
    EXPECT_TRUE(m.ParseFromString(bytes));
    return m;
  }
  std::filesystem::path dir_;
};

// Two convolutions (the first padded and max-pooled, the second unpadded and average-pooled with
// stride 1), then two fully connected layers: 2x9x9 -> 4x4x4 -> 5x1x1 -> 7 -> 3.
arch::Topology conv_topology() {
  arch::TopologyBuilder b({2, 9, 9});
  b.conv(4, 3, 1, 1);  // 4x9x9
  b.relu();
  b.pool(arch::PoolKind::kMax, 2, 2);  // 4x4x4
  b.conv(5, 3, 1, 0);                  // 5x2x2
  b.relu();
  b.pool(arch::PoolKind::kAverage, 2, 1);  // 5x1x1
  b.flatten();
  b.dense(7);
  b.relu();
  b.dense(3);
  return b.finish();
}

// He weights and random biases (init_he zeroes them).
Network random_network(const arch::Topology& t, std::uint64_t seed) {
  Network net(t);
  Rng rng(seed, 0);
  net.init_he(rng);
  for (auto& b : net.biases()) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = static_cast<float>(0.3 * rng.normal());
  }
  return net;
}

void expect_same_outputs(Network& a, Network& b, std::uint64_t seed) {
  Rng rng(seed, 1);
  Eigen::MatrixXf x(a.topology().features(), 5);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = static_cast<float>(rng.uniform());
  }
  const Eigen::MatrixXf ya = a.forward(x);
  const Eigen::MatrixXf yb = b.forward(x);
  ASSERT_EQ(ya.rows(), yb.rows());
  for (Eigen::Index j = 0; j < ya.cols(); ++j) {
    for (Eigen::Index i = 0; i < ya.rows(); ++i) {
      EXPECT_NEAR(ya(i, j), yb(i, j), 1e-6 * std::max(1.0F, std::abs(ya(i, j)))) << "class " << i << " image " << j;
    }
  }
}

TEST_F(OnnxExportTest, ConvNetworkRoundTripsThroughTheImporter) {
  const arch::Topology t = conv_topology();
  ASSERT_EQ(t.describe(),
            (std::vector<std::string>{"conv 4x2x3x3 s1 p1 relu maxpool2", "conv 5x4x3x3 s1 p0 relu avgpool2/1",
                                      "dense 5->7 relu", "dense 7->3"}));
  Network net = random_network(t, 11);
  const auto file = dir_ / "model.onnx";
  export_onnx(net, file);
  const OnnxNetwork back = import_onnx(file);
  EXPECT_EQ(back.topology.input, t.input);
  EXPECT_EQ(back.topology.describe(), t.describe());
  for (std::size_t l = 0; l < t.layers.size(); ++l) {
    EXPECT_EQ(back.weights[l], net.weights()[l]) << "layer " << l;  // bit for bit
    EXPECT_EQ(back.biases[l], net.biases()[l]) << "layer " << l;
  }
  Network imported(back.topology);
  back.copy_to(imported);
  expect_same_outputs(net, imported, 12);
}

TEST_F(OnnxExportTest, MlpRoundTripsWithAVectorInput) {
  Network net = random_network(arch::Topology::mlp({20, 8, 6, 4}), 5);
  const auto file = dir_ / "mlp.onnx";
  export_onnx(net, file);
  const onnx::ModelProto m = read(file);
  const auto& dims = m.graph().input(0).type().tensor_type().shape().dim();
  ASSERT_EQ(dims.size(), 2);  // [N, 20]: no image shape to invent
  EXPECT_EQ(dims[1].dim_value(), 20);
  EXPECT_EQ(m.graph().node(0).op_type(), "Gemm");
  const OnnxNetwork back = import_onnx(file);
  EXPECT_EQ(back.topology.widths(), (std::vector<int>{20, 8, 6, 4}));
  Network imported(back.topology);
  back.copy_to(imported);
  expect_same_outputs(net, imported, 6);
}

TEST_F(OnnxExportTest, ModelHasTheDocumentedForm) {
  Network net = random_network(conv_topology(), 3);
  const auto file = dir_ / "model.onnx";
  export_onnx(net, file);
  const onnx::ModelProto m = read(file);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(m.producer_name(), "xbarsim");
  const auto& g = m.graph();
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "input");
  const auto& in = g.input(0).type().tensor_type();
  EXPECT_EQ(in.elem_type(), onnx::TensorProto_DataType_FLOAT);
  ASSERT_EQ(in.shape().dim_size(), 4);
  EXPECT_EQ(in.shape().dim(0).dim_param(), "N");
  EXPECT_FALSE(in.shape().dim(0).has_dim_value());
  EXPECT_EQ(in.shape().dim(1).dim_value(), 2);
  EXPECT_EQ(in.shape().dim(2).dim_value(), 9);
  EXPECT_EQ(in.shape().dim(3).dim_value(), 9);
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0).name(), "logits");
  EXPECT_EQ(g.output(0).type().tensor_type().shape().dim(1).dim_value(), 3);
  std::vector<std::string> ops;
  for (const auto& n : g.node()) ops.push_back(n.op_type());
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Flatten", "Gemm",
                                           "Relu", "Gemm"}));
  EXPECT_EQ(g.node(g.node_size() - 1).output(0), "logits");
  // Each node reads the previous one's output.
  EXPECT_EQ(g.node(0).input(0), "input");
  for (int i = 1; i < g.node_size(); ++i) EXPECT_EQ(g.node(i).input(0), g.node(i - 1).output(0)) << "node " << i;
  // Initializers: FLOAT, raw_data; the first convolution's weight [4, 2, 3, 3] holds W row by
  // row (little-endian host: the bytes are the floats).
  ASSERT_EQ(g.initializer_size(), 8);
  for (const auto& t : g.initializer()) {
    EXPECT_EQ(t.data_type(), onnx::TensorProto_DataType_FLOAT) << t.name();
    EXPECT_TRUE(t.has_raw_data()) << t.name();
    EXPECT_EQ(t.float_data_size(), 0) << t.name();
  }
  const auto& w0 = g.initializer(0);
  EXPECT_EQ(std::vector<std::int64_t>(w0.dims().begin(), w0.dims().end()), (std::vector<std::int64_t>{4, 2, 3, 3}));
  ASSERT_EQ(w0.raw_data().size(), 4U * 72U);
  float v = 0;
  std::memcpy(&v, w0.raw_data().data() + 4 * (1 * 18 + 1 * 9 + 2 * 3 + 0), 4);  // o 1, c 1, kh 2, kw 0
  EXPECT_EQ(v, net.weights()[0](1, 1 * 9 + 2 * 3 + 0));
  const auto& conv = g.node(0);
  std::vector<std::string> attributes;
  for (const auto& a : conv.attribute()) attributes.push_back(a.name());
  EXPECT_EQ(attributes, (std::vector<std::string>{"dilations", "group", "kernel_shape", "pads", "strides"}));
}

// ONNX's checker (graph structure, attribute types, opset) and its strict shape inference (each
// operator's shape function on the declared input) accept the model; the inferred shapes are the
// topology's.
TEST_F(OnnxExportTest, OnnxCheckerAndShapeInferenceAcceptTheModel) {
  Network net = random_network(conv_topology(), 4);
  const auto file = dir_ / "model.onnx";
  export_onnx(net, file);
  onnx::ModelProto m = read(file);
  EXPECT_NO_THROW(onnx::checker::check_model(m));
  ASSERT_NO_THROW(
      onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1)));
  std::map<std::string, std::string> shapes;
  for (const auto& v : m.graph().value_info()) {
    std::string s;
    for (const auto& d : v.type().tensor_type().shape().dim()) {
      s += d.has_dim_value() ? std::to_string(d.dim_value()) : d.dim_param();
      s += " ";
    }
    shapes[v.name()] = s;
  }
  EXPECT_EQ(shapes["conv0"], "N 4 9 9 ");
  EXPECT_EQ(shapes["pool0"], "N 4 4 4 ");
  EXPECT_EQ(shapes["conv1"], "N 5 2 2 ");
  EXPECT_EQ(shapes["pool1"], "N 5 1 1 ");
  EXPECT_EQ(shapes["flat2"], "N 5 ");
  EXPECT_EQ(shapes["relu2"], "N 7 ");
  // A network ending in a convolution ends in a Flatten to [N, classes].
  arch::TopologyBuilder b({1, 5, 5});
  b.conv(3, 3, 2, 0);                  // 3x2x2, no ReLU: its pooled outputs are the logits
  b.pool(arch::PoolKind::kMax, 2, 2);  // 3x1x1
  Network conv_only = random_network(b.finish(), 8);
  export_onnx(conv_only, dir_ / "conv_only.onnx");
  onnx::ModelProto c = read(dir_ / "conv_only.onnx");
  EXPECT_EQ(c.graph().node(c.graph().node_size() - 1).op_type(), "Flatten");
  EXPECT_NO_THROW(onnx::checker::check_model(c));
  EXPECT_NO_THROW(
      onnx::shape_inference::InferShapes(c, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1)));
  const OnnxNetwork back = import_onnx(dir_ / "conv_only.onnx");
  EXPECT_EQ(back.topology.describe(), conv_only.topology().describe());
}

}  // namespace
}  // namespace xbarsim::workloads
