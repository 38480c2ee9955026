// network.onnx (workloads/onnx_import.hpp): the test writes small ONNX models with the protobuf
// classes of libonnx-dev. An imported 784-16-10 network computes what its weights say (Gemm with
// transB 1 and 0, MatMul + Add; raw_data and float_data; [N, 784] and Flatten of [N, 1, 28, 28]);
// a convolutional model (Conv, Relu, MaxPool or AveragePool, Flatten, Gemm) has its layers'
// shapes, its kernels in the documented order and computes what plain loops compute; every
// unsupported form or attribute is refused with one line naming the file and the node;
// NetworkSpec reads network.onnx from a configuration.
#include "workloads/onnx_import.hpp"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"
#include "workloads/network_spec.hpp"

namespace xbarsim::workloads {
namespace {

// Known weights: W(o, i) of layer l, not symmetric in o and i (a transposed or scrambled layout
// gives other outputs).
float known_w(int l, int o, int i) { return 0.05F * std::sin(0.7F * static_cast<float>(o) + 0.013F * i + l); }
float known_b(int l, int o) { return 0.1F * std::cos(1.3F * static_cast<float>(o) + l); }

// prefix + l + suffix (appending: GCC 12's -Wrestrict misfires on "literal" + std::string).
std::string id(const char* prefix, int l, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(l);
  s += suffix;
  return s;
}

enum class Form { kGemmTransB, kGemm, kMatMulAdd };

struct ModelOptions {
  Form form = Form::kGemmTransB;
  bool raw = true;           // raw_data, else float_data
  bool image_input = false;  // [N, 1, 28, 28] and a Flatten, else [N, 784]
  bool reshape = false;      // with image_input: Reshape to [-1, 784] instead of Flatten
  bool softmax = false;      // a final Softmax
  std::vector<int> widths{784, 16, 10};
};

void add_floats(onnx::GraphProto& g, const std::string& name, const std::vector<std::int64_t>& dims,
                const std::vector<float>& v, bool raw) {
  auto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (auto d : dims) t->add_dims(d);
  if (raw) {
    std::string bytes(v.size() * 4, '\0');
    std::memcpy(bytes.data(), v.data(), bytes.size());  // little-endian host
    t->set_raw_data(bytes);
  } else {
    for (float x : v) t->add_float_data(x);
  }
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs, const std::string& output) {
  auto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(output);
  return n;
}

void set_shape(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  for (auto d : dims) {
    auto* dim = tt->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
}

onnx::ModelProto make_model(const ModelOptions& o) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto& g = *m.mutable_graph();
  g.set_name("mlp");
  std::string cur = "input";
  if (o.image_input) {
    set_shape(g.add_input(), cur, {-1, 1, 28, 28});
    if (o.reshape) {
      auto* t = g.add_initializer();
      t->set_name("shape");
      t->set_data_type(onnx::TensorProto_DataType_INT64);
      t->add_dims(2);
      t->add_int64_data(-1);
      t->add_int64_data(784);
      add_node(g, "Reshape", "reshape", {cur, "shape"}, "flat");
    } else {
      add_node(g, "Flatten", "flatten", {cur}, "flat");
    }
    cur = "flat";
  } else {
    set_shape(g.add_input(), cur, {-1, o.widths[0]});
  }
  const int layers = static_cast<int>(o.widths.size()) - 1;
  for (int l = 0; l < layers; ++l) {
    const int in = o.widths[l];
    const int out = o.widths[l + 1];
    const std::string w = id("w", l);
    const std::string b = id("b", l);
    std::vector<float> wv;
    if (o.form == Form::kGemmTransB) {  // (out, in) row-major
      for (int r = 0; r < out; ++r) {
        for (int c = 0; c < in; ++c) wv.push_back(known_w(l, r, c));
      }
      add_floats(g, w, {out, in}, wv, o.raw);
    } else {  // (in, out) row-major
      for (int r = 0; r < in; ++r) {
        for (int c = 0; c < out; ++c) wv.push_back(known_w(l, c, r));
      }
      add_floats(g, w, {in, out}, wv, o.raw);
    }
    std::vector<float> bv;
    bv.reserve(static_cast<std::size_t>(out));
    for (int r = 0; r < out; ++r) bv.push_back(known_b(l, r));
    add_floats(g, b, {out}, bv, o.raw);
    const std::string z = id("z", l);
    if (o.form == Form::kMatMulAdd) {
      add_node(g, "MatMul", id("fc", l, "_matmul"), {cur, w}, z + "_mm");
      add_node(g, "Add", id("fc", l, "_add"), {z + "_mm", b}, z);
    } else {
      auto* n = add_node(g, "Gemm", id("fc", l), {cur, w, b}, z);
      auto* a = n->add_attribute();
      a->set_name("transB");
      a->set_type(onnx::AttributeProto_AttributeType_INT);
      a->set_i(o.form == Form::kGemmTransB ? 1 : 0);
      auto* alpha = n->add_attribute();
      alpha->set_name("alpha");
      alpha->set_type(onnx::AttributeProto_AttributeType_FLOAT);
      alpha->set_f(1.0F);
    }
    cur = z;
    if (l + 1 < layers) {
      add_node(g, "Relu", id("relu", l), {cur}, id("h", l));
      cur = id("h", l);
    }
  }
  if (o.softmax) {
    add_node(g, "Softmax", "softmax", {cur}, "probs");
    cur = "probs";
  }
  set_shape(g.add_output(), cur, {-1, o.widths.back()});
  return m;
}

class OnnxImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("xbarsim_onnx_test_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const onnx::ModelProto& m, const std::string& name = "model.onnx") const {
    auto f = dir_ / name;
    std::ofstream out(f, std::ios::binary);
    out << m.SerializeAsString();
    return f;
  }
  // The DataError's line for the model (empty if it imports).
  std::string error_of(const onnx::ModelProto& m) const {
    const auto f = write(m);
    try {
      (void)import_onnx(f);
    } catch (const DataError& e) {
      std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_EQ(what.rfind(f.string() + ": ", 0), 0U) << what;  // names the file first
      return what;
    }
    return "";
  }
  std::filesystem::path dir_;
};

// The hand computation of the 784-16-10 network of known_w/known_b on input x.
std::vector<double> by_hand(const std::vector<double>& x) {
  std::vector<double> h(16);
  for (int o = 0; o < 16; ++o) {
    double s = known_b(0, o);
    for (int i = 0; i < 784; ++i) s += static_cast<double>(known_w(0, o, i)) * x[i];
    h[o] = std::max(s, 0.0);
  }
  std::vector<double> y(10);
  for (int o = 0; o < 10; ++o) {
    double s = known_b(1, o);
    for (int i = 0; i < 16; ++i) s += static_cast<double>(known_w(1, o, i)) * h[i];
    y[o] = s;
  }
  return y;
}

void expect_known_network(const OnnxNetwork& net) {
  ASSERT_EQ(net.topology.widths(), (std::vector<int>{784, 16, 10}));
  Network mlp(net.topology);
  net.copy_to(mlp);
  Eigen::MatrixXf x(784, 3);
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 784; ++i) x(i, j) = static_cast<float>((i * 37 + j * 101) % 256) / 255.0F;
  }
  const Eigen::MatrixXf y = mlp.forward(x);
  for (int j = 0; j < 3; ++j) {
    std::vector<double> xj(784);
    for (int i = 0; i < 784; ++i) xj[i] = x(i, j);
    const auto want = by_hand(xj);
    for (int o = 0; o < 10; ++o) EXPECT_NEAR(y(o, j), want[o], 1e-6) << "input " << j << " class " << o;
  }
}

TEST_F(OnnxImportTest, GemmTransBRawDataComputesTheHandResult) {
  expect_known_network(import_onnx(write(make_model({}))));
}

TEST_F(OnnxImportTest, GemmTransBFloatDataComputesTheHandResult) {
  expect_known_network(import_onnx(write(make_model({.raw = false}))));
}

TEST_F(OnnxImportTest, GemmWithoutTransBComputesTheHandResult) {
  expect_known_network(import_onnx(write(make_model({.form = Form::kGemm}))));
}

TEST_F(OnnxImportTest, MatMulAddComputesTheHandResult) {
  expect_known_network(import_onnx(write(make_model({.form = Form::kMatMulAdd}))));
  expect_known_network(import_onnx(write(make_model({.form = Form::kMatMulAdd, .raw = false}))));
}

TEST_F(OnnxImportTest, FlattenReshapeOfImagesAndFinalSoftmaxAreAccepted) {
  expect_known_network(import_onnx(write(make_model({.image_input = true}))));
  expect_known_network(import_onnx(write(make_model({.image_input = true, .reshape = true, .softmax = true}))));
}

TEST_F(OnnxImportTest, OtherOperatorsAreRefusedNamingTheNode) {
  auto m = make_model({.image_input = true});
  auto* n = m.mutable_graph()->mutable_node(0);  // the Flatten becomes a BatchNormalization
  n->set_op_type("BatchNormalization");
  n->set_name("bn1");
  const auto e = error_of(m);
  EXPECT_NE(e.find("node 0 'bn1' (BatchNormalization): operator BatchNormalization is not supported"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("xbarsim imports chains of Conv"), std::string::npos) << e;  // what is supported
}

TEST_F(OnnxImportTest, MissingReluIsRefused) {
  auto m = make_model({});
  auto* g = m.mutable_graph();
  ASSERT_EQ(g->node(1).op_type(), "Relu");
  g->mutable_node(2)->set_input(0, "z0");  // fc1 reads fc0's output directly
  g->mutable_node()->DeleteSubrange(1, 1);
  const auto e = error_of(m);
  EXPECT_NE(e.find("node 1 'fc1' (Gemm): no Relu between layer 1 and this one"), std::string::npos) << e;
}

TEST_F(OnnxImportTest, ReluAfterTheLastLayerIsRefused) {
  auto m = make_model({});
  auto* g = m.mutable_graph();
  add_node(*g, "Relu", "relu_out", {"z1"}, "out");
  g->mutable_output(0)->set_name("out");
  EXPECT_NE(error_of(m).find("a Relu after the last layer"), std::string::npos);
}

TEST_F(OnnxImportTest, DoubleWeightsAreRefused) {
  auto m = make_model({.raw = false});
  auto* t = m.mutable_graph()->mutable_initializer(0);
  t->set_data_type(onnx::TensorProto_DataType_DOUBLE);
  for (float v : std::vector<float>(t->float_data().begin(), t->float_data().end())) t->add_double_data(v);
  t->clear_float_data();
  const auto e = error_of(m);
  EXPECT_NE(e.find("node 0 'fc0' (Gemm): initializer 'w0' is DOUBLE; only FLOAT"), std::string::npos) << e;
}

TEST_F(OnnxImportTest, WrongShapesAreRefused) {
  // A second layer that takes 15 inputs after a first layer of 16 outputs.
  const auto e = error_of(make_model({.widths = {784, 16, 10}}));
  EXPECT_EQ(e, "");
  auto m = make_model({});
  auto* w1 = m.mutable_graph()->mutable_initializer(2);
  ASSERT_EQ(w1->name(), "w1");
  w1->set_dims(1, 15);
  const auto e1 = error_of(m);
  EXPECT_NE(e1.find("node 2 'fc1' (Gemm): weight 'w1' takes 15 inputs, the previous layer gives 16"), std::string::npos)
      << e1;
  // Three channels flatten to 2352 features, not the first layer's 784.
  auto m3 = make_model({.image_input = true});
  auto* shape3 = m3.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape3->mutable_dim(1)->set_dim_value(3);
  const auto e3 = error_of(m3);
  EXPECT_NE(e3.find("node 1 'fc0' (Gemm): weight 'w0' takes 784 inputs, the previous layer gives 2352"),
            std::string::npos)
      << e3;
  // An input of rank 3 is neither [N, features] nor [N, channels, height, width].
  shape3->mutable_dim()->DeleteSubrange(1, 1);
  const auto e4 = error_of(m3);
  EXPECT_NE(e4.find("graph input 'input' has shape [N, 28, 28]; [N, features] or [N, channels, height, width]"),
            std::string::npos)
      << e4;
  // A bias of the wrong length.
  auto mb = make_model({});
  mb.mutable_graph()->mutable_initializer(1)->set_dims(0, 17);
  const auto eb = error_of(mb);
  EXPECT_NE(eb.find("initializer 'b0' has shape [17]; [16] or [1, 16] expected"), std::string::npos) << eb;
}

TEST_F(OnnxImportTest, OtherFormsAreRefusedNamingTheNode) {
  // A Reshape that does not flatten the image.
  auto r = make_model({.image_input = true, .reshape = true});
  auto* shape = r.mutable_graph()->mutable_initializer(0);
  ASSERT_EQ(shape->name(), "shape");
  shape->set_int64_data(1, 392);
  const auto er = error_of(r);
  EXPECT_NE(er.find("node 0 'reshape' (Reshape): reshapes [N, 1, 28, 28] to [-1, 392]"), std::string::npos) << er;
  // A MatMul without its bias.
  auto m = make_model({.form = Form::kMatMulAdd});
  m.mutable_graph()->mutable_node(1)->set_op_type("Sub");
  const auto em = error_of(m);
  EXPECT_NE(em.find("node 0 'fc0_matmul' (MatMul): a MatMul not followed by Add"), std::string::npos) << em;
  // A Gemm on the unflattened image.
  auto u = make_model({.image_input = true});
  auto* g = u.mutable_graph();
  g->mutable_node(1)->set_input(0, "input");
  g->mutable_node()->DeleteSubrange(0, 1);
  const auto eu = error_of(u);
  EXPECT_NE(eu.find("node 0 'fc0' (Gemm): the input [N, 1, 28, 28] is not flattened"), std::string::npos) << eu;
}

TEST_F(OnnxImportTest, GemmAttributesOtherThanTheLinearLayerAreRefused) {
  auto m = make_model({});
  m.mutable_graph()->mutable_node(0)->mutable_attribute(1)->set_f(0.5F);  // alpha
  EXPECT_NE(error_of(m).find("node 0 'fc0' (Gemm): alpha = 0.5; 1 expected"), std::string::npos);
}

TEST_F(OnnxImportTest, TruncatedGarbageAndMissingFilesAreRefused) {
  const std::string bytes = make_model({}).SerializeAsString();
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 3, std::size_t{7}}) {
    const auto f = dir_ / "cut.onnx";
    std::ofstream(f, std::ios::binary) << bytes.substr(0, cut);
    try {
      (void)import_onnx(f);
      ADD_FAILURE() << "a model cut at " << cut << " of " << bytes.size() << " bytes imported";
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(f.string() + ": ", 0), 0U) << e.what();
    }
  }
  const auto g = dir_ / "garbage.onnx";
  std::ofstream(g, std::ios::binary) << "XBW1 this is not a protobuf \xff\xff\xff";
  EXPECT_THROW((void)import_onnx(g), DataError);
  // A device (/dev/zero would never end) or a folder is no model.
  for (const char* other : {"/dev/zero", "/tmp"}) {
    try {
      (void)import_onnx(other);
      ADD_FAILURE() << other;
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()), std::string(other) + ": not a regular file (an ONNX model expected)");
    }
  }
  try {
    (void)import_onnx(dir_ / "absent.onnx");
    ADD_FAILURE();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.onnx: cannot open ONNX model"), std::string::npos);
  }
}

// The fuzz target's seeds (tests/fuzz/onnx_fuzz.cpp) are models that import, so that fuzzing
// starts from inputs that reach every step of the importer.
TEST(OnnxFuzzSeed, Imports) {
  const auto net = import_onnx(std::filesystem::path(XBARSIM_SOURCE_DIR) / "tests/fuzz/corpus/onnx/seed_4_3_2.onnx");
  EXPECT_EQ(net.topology.widths(), (std::vector<int>{4, 3, 2}));
  const auto conv =
      import_onnx(std::filesystem::path(XBARSIM_SOURCE_DIR) / "tests/fuzz/corpus/onnx/seed_conv_1x4x4.onnx");
  EXPECT_EQ(conv.topology.describe(), (std::vector<std::string>{"conv 2x1x3x3 s1 p1 relu maxpool2", "dense 8->3"}));
}

// network.onnx in a configuration: layers from the model, or checked against it; never both files.
TEST_F(OnnxImportTest, NetworkSpecReadsTheModel) {
  write(make_model({}));
  const auto cfg = dir_ / "net.yaml";
  std::ofstream(cfg) << "network: {onnx: model.onnx}\n";
  const Params root = Params::from_file(cfg);
  const NetworkSpec s = NetworkSpec::from_params(root.child("network"), NetworkSpec::kMayGiveWeights);
  EXPECT_EQ(s.topology.widths(), (std::vector<int>{784, 16, 10}));
  ASSERT_TRUE(s.has_trained_weights());
  Network mlp(s.topology);
  s.load_trained(mlp);
  EXPECT_EQ(mlp.weights()[1](3, 5), known_w(1, 3, 5));
  EXPECT_EQ(s.record()["onnx"], "model.onnx");
  EXPECT_EQ(s.record()["layers"], nlohmann::json({784, 16, 10}));

  std::ofstream(cfg) << "network: {onnx: model.onnx, layers: [784, 16, 10]}\n";
  EXPECT_NO_THROW(
      (void)NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights));
  std::ofstream(cfg) << "network: {onnx: model.onnx, layers: [784, 32, 10]}\n";
  try {
    (void)NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("expected [784, 16, 10], the widths of network.onnx"), std::string::npos)
        << e.what();
  }
  std::ofstream(cfg) << "network: {onnx: model.onnx, weights: w.bin}\n";
  EXPECT_THROW((void)NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights),
               ConfigError);
  // Where weights cannot be given (training experiments), onnx is not read: no widths without layers.
  std::ofstream(cfg) << "network: {onnx: model.onnx}\n";
  EXPECT_THROW((void)NetworkSpec::from_params(Params::from_file(cfg).child("network")), ConfigError);
  // Without onnx, nothing is recorded.
  std::ofstream(cfg) << "network: {layers: [784, 10]}\n";
  EXPECT_TRUE(NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights)
                  .record()
                  .is_null());
}

// Convolutional models: input [N, in_c, size, size] -> Conv 'conv1' -> Relu -> MaxPool or
// AveragePool 'pool1' -> Flatten (or Reshape) -> Gemm 'fc' (transB 1) -> logits.

// Known kernel W(o, c, kh, kw), not symmetric in any pair of its indices, and bias.
float conv_w(int o, int c, int kh, int kw) {
  return 0.2F * std::sin(0.9F * static_cast<float>(o) + 0.37F * c + 0.23F * kh - 0.41F * kw + 0.3F);
}
float conv_b(int o) { return 0.05F * std::cos(1.1F * static_cast<float>(o)); }

struct ConvOptions {
  int in_c = 2;  // input channels
  int size = 6;  // input height = width
  int out_c = 3;
  int k = 3;
  int stride = 1;
  int pad = 1;
  bool bias = true;
  arch::PoolKind pool = arch::PoolKind::kMax;
  int pool_k = 2;
  int pool_s = 2;
  bool relu_after_pool = false;
  bool reshape = false;  // Reshape to [-1, F] instead of Flatten
  int classes = 3;

  int conv_out() const { return (size + 2 * pad - k) / stride + 1; }
  int pooled() const { return pool == arch::PoolKind::kNone ? conv_out() : (conv_out() - pool_k) / pool_s + 1; }
  int features() const { return out_c * pooled() * pooled(); }
};

void set_int(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
  for (auto& a : *n->mutable_attribute()) {
    if (a.name() == name) {
      a.set_i(v);
      return;
    }
  }
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(v);
}
void set_ints(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
  onnx::AttributeProto* a = nullptr;
  for (auto& e : *n->mutable_attribute()) {
    if (e.name() == name) a = &e;
  }
  if (a == nullptr) {
    a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
  }
  a->clear_ints();
  for (auto x : v) a->add_ints(x);
}

onnx::ModelProto make_conv_model(const ConvOptions& o) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto& g = *m.mutable_graph();
  g.set_name("cnn");
  set_shape(g.add_input(), "input", {-1, o.in_c, o.size, o.size});
  std::vector<float> w;
  for (int oc = 0; oc < o.out_c; ++oc) {  // [O, C, k, k] row-major
    for (int c = 0; c < o.in_c; ++c) {
      for (int kh = 0; kh < o.k; ++kh) {
        for (int kw = 0; kw < o.k; ++kw) w.push_back(conv_w(oc, c, kh, kw));
      }
    }
  }
  add_floats(g, "conv1.weight", {o.out_c, o.in_c, o.k, o.k}, w, true);
  std::vector<std::string> conv_inputs{"input", "conv1.weight"};
  if (o.bias) {
    std::vector<float> b;
    for (int oc = 0; oc < o.out_c; ++oc) b.push_back(conv_b(oc));
    add_floats(g, "conv1.bias", {o.out_c}, b, false);
    conv_inputs.emplace_back("conv1.bias");
  }
  auto* conv = add_node(g, "Conv", "conv1", conv_inputs, "c1");
  set_ints(conv, "dilations", {1, 1});
  set_int(conv, "group", 1);
  set_ints(conv, "kernel_shape", {o.k, o.k});
  set_ints(conv, "pads", {o.pad, o.pad, o.pad, o.pad});
  set_ints(conv, "strides", {o.stride, o.stride});
  std::string cur = "c1";
  auto relu = [&] {
    add_node(g, "Relu", "relu1", {cur}, "r1");
    cur = "r1";
  };
  if (!o.relu_after_pool) relu();
  if (o.pool != arch::PoolKind::kNone) {
    auto* pool = add_node(g, o.pool == arch::PoolKind::kMax ? "MaxPool" : "AveragePool", "pool1", {cur}, "p1");
    set_int(pool, "ceil_mode", 0);
    set_ints(pool, "kernel_shape", {o.pool_k, o.pool_k});
    set_ints(pool, "pads", {0, 0, 0, 0});
    set_ints(pool, "strides", {o.pool_s, o.pool_s});
    cur = "p1";
  }
  if (o.relu_after_pool) relu();
  if (o.reshape) {
    auto* t = g.add_initializer();
    t->set_name("shape");
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(2);
    t->add_int64_data(-1);
    t->add_int64_data(o.features());
    add_node(g, "Reshape", "flatten", {cur, "shape"}, "flat");
  } else {
    add_node(g, "Flatten", "flatten", {cur}, "flat");
  }
  std::vector<float> fw;
  std::vector<float> fb;
  for (int r = 0; r < o.classes; ++r) {
    for (int c = 0; c < o.features(); ++c) fw.push_back(known_w(5, r, c));
    fb.push_back(known_b(5, r));
  }
  add_floats(g, "fc.weight", {o.classes, o.features()}, fw, true);
  add_floats(g, "fc.bias", {o.classes}, fb, true);
  set_int(add_node(g, "Gemm", "fc", {"flat", "fc.weight", "fc.bias"}, "logits"), "transB", 1);
  set_shape(g.add_output(), "logits", {-1, o.classes});
  return m;
}

// The model computed with plain loops on one image x (CHW): the logits.
std::vector<double> conv_by_hand(const ConvOptions& o, const std::vector<double>& x) {
  const int oh = o.conv_out();
  std::vector<double> y(static_cast<std::size_t>(o.out_c * oh * oh));
  for (int oc = 0; oc < o.out_c; ++oc) {
    for (int r = 0; r < oh; ++r) {
      for (int c = 0; c < oh; ++c) {
        double s = o.bias ? conv_b(oc) : 0.0;
        for (int ci = 0; ci < o.in_c; ++ci) {
          for (int kh = 0; kh < o.k; ++kh) {
            for (int kw = 0; kw < o.k; ++kw) {
              const int ih = r * o.stride - o.pad + kh;
              const int iw = c * o.stride - o.pad + kw;
              if (ih < 0 || ih >= o.size || iw < 0 || iw >= o.size) continue;  // zero padding
              s += static_cast<double>(conv_w(oc, ci, kh, kw)) * x[(ci * o.size + ih) * o.size + iw];
            }
          }
        }
        y[(oc * oh + r) * oh + c] = o.relu_after_pool ? s : std::max(s, 0.0);
      }
    }
  }
  const int ph = o.pooled();
  std::vector<double> flat(static_cast<std::size_t>(o.features()));
  for (int oc = 0; oc < o.out_c; ++oc) {
    for (int r = 0; r < ph; ++r) {
      for (int c = 0; c < ph; ++c) {
        double v = 0.0;
        if (o.pool == arch::PoolKind::kNone) {
          v = y[(oc * oh + r) * oh + c];
        } else {
          double best = -1e300;
          double sum = 0.0;
          for (int i = 0; i < o.pool_k; ++i) {
            for (int j = 0; j < o.pool_k; ++j) {
              const double e = y[(oc * oh + r * o.pool_s + i) * oh + c * o.pool_s + j];
              best = std::max(best, e);
              sum += e;
            }
          }
          v = o.pool == arch::PoolKind::kMax ? best : sum / (o.pool_k * o.pool_k);
        }
        flat[(oc * ph + r) * ph + c] = o.relu_after_pool ? std::max(v, 0.0) : v;
      }
    }
  }
  std::vector<double> logits(static_cast<std::size_t>(o.classes));
  for (int r = 0; r < o.classes; ++r) {
    double s = known_b(5, r);
    for (int f = 0; f < o.features(); ++f) s += static_cast<double>(known_w(5, r, f)) * flat[f];
    logits[r] = s;
  }
  return logits;
}

// The imported network's forward pass on random images equals the hand computation (1e-5
// relative).
void expect_conv_network(const ConvOptions& o, const OnnxNetwork& net) {
  Network cnn(net.topology);
  net.copy_to(cnn);
  const int features = o.in_c * o.size * o.size;
  Rng rng(7, 3);
  Eigen::MatrixXf x(features, 4);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = static_cast<float>(2.0 * rng.uniform() - 0.5);
  }
  const Eigen::MatrixXf y = cnn.forward(x);
  ASSERT_EQ(y.rows(), o.classes);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    std::vector<double> xj(static_cast<std::size_t>(features));
    for (int i = 0; i < features; ++i) xj[i] = x(i, j);
    const auto want = conv_by_hand(o, xj);
    for (int c = 0; c < o.classes; ++c) {
      EXPECT_NEAR(y(c, j), want[c], 1e-5 * std::max(1.0, std::abs(want[c]))) << "image " << j << " class " << c;
    }
  }
}

TEST_F(OnnxImportTest, ConvReluMaxPoolFlattenGemmImportsItsShapesAndWeights) {
  const ConvOptions o;
  EXPECT_NO_THROW(onnx::checker::check_model(make_conv_model(o)));  // the test's model is valid ONNX
  const OnnxNetwork net = import_onnx(write(make_conv_model(o)));
  const arch::Topology& t = net.topology;
  EXPECT_EQ(t.input, (arch::FeatureShape{2, 6, 6}));
  ASSERT_EQ(t.layers.size(), 2U);
  const arch::LayerShape& c = t.layers[0];
  EXPECT_TRUE(c.is_conv());
  EXPECT_EQ(c.in, (arch::FeatureShape{2, 6, 6}));
  EXPECT_EQ(c.out, (arch::FeatureShape{3, 6, 6}));  // padding 1 keeps 6 x 6
  EXPECT_EQ(c.kernel, 3);
  EXPECT_EQ(c.stride, 1);
  EXPECT_EQ(c.padding, 1);
  EXPECT_TRUE(c.relu);
  EXPECT_EQ(c.pool, arch::PoolKind::kMax);
  EXPECT_EQ(c.pool_size, 2);
  EXPECT_EQ(c.pool_stride, 2);
  EXPECT_EQ(c.pooled(), (arch::FeatureShape{3, 3, 3}));
  EXPECT_EQ(t.layers[1].in, (arch::FeatureShape{27, 1, 1}));
  EXPECT_EQ(t.classes(), 3);
  EXPECT_EQ(t.describe(), (std::vector<std::string>{"conv 3x2x3x3 s1 p1 relu maxpool2", "dense 27->3"}));
  EXPECT_TRUE(t.widths().empty());

  // W is 3 x 18, column (channel x 9 + kernel row x 3 + kernel column): the initializer [3, 2, 3,
  // 3] read row by row.
  ASSERT_EQ(net.weights[0].rows(), 3);
  ASSERT_EQ(net.weights[0].cols(), 18);
  EXPECT_EQ(net.weights[0](0, 0), conv_w(0, 0, 0, 0));
  EXPECT_EQ(net.weights[0](1, 0 * 9 + 2 * 3 + 1), conv_w(1, 0, 2, 1));
  EXPECT_EQ(net.weights[0](2, 1 * 9 + 0 * 3 + 2), conv_w(2, 1, 0, 2));
  EXPECT_EQ(net.weights[0](2, 17), conv_w(2, 1, 2, 2));
  EXPECT_EQ(net.biases[0](1), conv_b(1));
  // The Gemm after the Flatten: (class, feature), features in CHW order.
  ASSERT_EQ(net.weights[1].rows(), 3);
  ASSERT_EQ(net.weights[1].cols(), 27);
  EXPECT_EQ(net.weights[1](2, 13), known_w(5, 2, 13));
  EXPECT_EQ(net.biases[1](2), known_b(5, 2));
  expect_conv_network(o, net);
}

TEST_F(OnnxImportTest, ConvVariantsComputeTheHandResult) {
  // Stride 2, no padding, no bias, an average pool of stride 1: 7x7 -> 3x3 -> 2x2.
  const ConvOptions a{
      .size = 7, .stride = 2, .pad = 0, .bias = false, .pool = arch::PoolKind::kAverage, .pool_k = 2, .pool_s = 1};
  const OnnxNetwork na = import_onnx(write(make_conv_model(a)));
  EXPECT_EQ(na.topology.describe()[0], "conv 3x2x3x3 s2 p0 relu avgpool2/1");
  EXPECT_EQ(na.biases[0], Eigen::VectorXf::Zero(3));
  expect_conv_network(a, na);
  // The Relu after the max pool (the same layer) and a Reshape instead of the Flatten.
  const ConvOptions b{.relu_after_pool = true, .reshape = true};
  expect_conv_network(b, import_onnx(write(make_conv_model(b))));
  // No pool; a 5x5 kernel and 4 channels on one.
  const ConvOptions c{.in_c = 1, .size = 8, .out_c = 4, .k = 5, .pad = 2, .pool = arch::PoolKind::kNone};
  const OnnxNetwork nc = import_onnx(write(make_conv_model(c)));
  EXPECT_EQ(nc.topology.describe()[0], "conv 4x1x5x5 s1 p2 relu");
  expect_conv_network(c, nc);
}

TEST_F(OnnxImportTest, UnsupportedConvAndPoolAttributesAreRefusedNamingTheNode) {
  const auto refused = [this](const std::function<void(onnx::GraphProto&)>& edit, const std::string& want,
                              const ConvOptions& o = {}) {
    auto m = make_conv_model(o);
    edit(*m.mutable_graph());
    const auto e = error_of(m);
    EXPECT_NE(e.find(want), std::string::npos) << "want: " << want << "\ngot:  " << e;
    EXPECT_NE(e.find("; xbarsim imports chains of Conv (group 1, dilations 1"), std::string::npos) << e;
  };
  auto conv = [](onnx::GraphProto& g) { return g.mutable_node(0); };
  refused([&](auto& g) { set_int(conv(g), "group", 2); },
          "node 0 'conv1' (Conv): group 2; 1 expected (no grouped or depthwise convolutions)");
  refused(
      [&](auto& g) {
        set_ints(conv(g), "dilations", {2, 2});
      },
      "node 0 'conv1' (Conv): dilations [2, 2]; [1, 1] expected");
  refused(
      [&](auto& g) {
        set_ints(conv(g), "pads", {1, 1, 0, 0});
      },
      "node 0 'conv1' (Conv): pads [1, 1, 0, 0]; the same padding on every side, [p, p, p, p]");
  refused(
      [&](auto& g) {
        set_ints(conv(g), "strides", {1, 2});
      },
      "node 0 'conv1' (Conv): strides [1, 2]; equal strides [s, s]");
  refused(
      [&](auto& g) {
        auto* a = conv(g)->add_attribute();
        a->set_name("auto_pad");
        a->set_type(onnx::AttributeProto_AttributeType_STRING);
        a->set_s("SAME_UPPER");
      },
      "node 0 'conv1' (Conv): auto_pad SAME_UPPER; NOTSET (explicit pads) expected");
  refused([&](auto& g) { g.mutable_initializer(0)->set_dims(3, 2); },
          "node 0 'conv1' (Conv): weight 'conv1.weight' has a 3x2 kernel; square kernels");
  refused([&](auto& g) { g.mutable_initializer(0)->set_dims(1, 1); },
          "node 0 'conv1' (Conv): weight 'conv1.weight' takes 1 input channels, the previous layer gives 2");
  refused(
      [&](auto& g) {
        set_ints(conv(g), "kernel_shape", {5, 5});
      },
      "node 0 'conv1' (Conv): kernel_shape [5, 5] is not the weight's [3, 3]");
  auto pool = [](onnx::GraphProto& g) { return g.mutable_node(2); };
  refused([&](auto& g) { set_int(pool(g), "ceil_mode", 1); },
          "node 2 'pool1' (MaxPool): ceil_mode 1; 0 expected (output sizes rounded down)");
  refused(
      [&](auto& g) {
        set_ints(pool(g), "pads", {1, 1, 1, 1});
      },
      "node 2 'pool1' (MaxPool): pads [1, 1, 1, 1]; no padding ([0, 0, 0, 0]) expected");
  refused(
      [&](auto& g) {
        set_ints(pool(g), "kernel_shape", {2, 3});
      },
      "node 2 'pool1' (MaxPool): kernel_shape [2, 3]; a square kernel [k, k]");
  refused(
      [&](auto& g) {
        set_ints(pool(g), "dilations", {2, 2});
      },
      "node 2 'pool1' (MaxPool): dilations [2, 2]; [1, 1] expected");
  // A Relu after an average pool: the layer's unit applies the ReLU before pooling.
  refused([](auto&) {}, "node 2 'relu1' (Relu): a ReLU after an average pool",
          ConvOptions{.pool = arch::PoolKind::kAverage, .relu_after_pool = true});
  // The Gemm on the feature map without a Flatten.
  refused(
      [](auto& g) {
        g.mutable_node(4)->set_input(0, "p1");
        g.mutable_node()->DeleteSubrange(3, 1);
      },
      "node 3 'fc' (Gemm): the input [N, 3, 3, 3] is not flattened (Flatten or Reshape to [N, 27] first)");
  // A Conv after the Flatten.
  refused(
      [](auto& g) {
        auto* n = g.mutable_node(4);  // the Gemm becomes a Conv on the flat tensor
        n->set_op_type("Conv");
        n->clear_attribute();
      },
      "node 4 'fc' (Conv): a Conv of the flat tensor [N, 27]; Conv takes [N, channels, height, width]");
}

// network.onnx of a convolutional model: its layers, or network.input and network.layers equal
// to them.
TEST_F(OnnxImportTest, NetworkSpecReadsAConvModel) {
  write(make_conv_model({}), "cnn.onnx");
  const auto cfg = dir_ / "net.yaml";
  std::ofstream(cfg) << "network: {onnx: cnn.onnx}\n";
  const NetworkSpec s = NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights);
  EXPECT_EQ(s.topology.input, (arch::FeatureShape{2, 6, 6}));
  EXPECT_EQ(s.topology.describe(), (std::vector<std::string>{"conv 3x2x3x3 s1 p1 relu maxpool2", "dense 27->3"}));
  EXPECT_EQ(s.record()["layers"], nlohmann::json({"conv 3x2x3x3 s1 p1 relu maxpool2", "dense 27->3"}));
  Network cnn(s.topology);
  s.load_trained(cnn);
  EXPECT_EQ(cnn.weights()[0](1, 7), conv_w(1, 0, 2, 1));

  const std::string layers =
      "layers: [{op: conv, channels: 3, kernel: 3, padding: 1}, {op: relu}, {op: maxpool, size: 2}, {op: flatten}, "
      "{op: dense, outputs: 3}]";
  std::ofstream(cfg) << "network:\n  onnx: cnn.onnx\n  input: [2, 6, 6]\n  " << layers << "\n";
  EXPECT_NO_THROW(
      (void)NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights));
  // Another input shape (the same layers describe the same convolution): refused.
  std::ofstream(cfg) << "network:\n  onnx: cnn.onnx\n  input: [2, 8, 8]\n  " << layers << "\n";
  try {
    (void)NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(
        std::string(e.what()).find(
            "expected [conv 3x2x3x3 s1 p1 relu maxpool2; dense 27->3] on a 2x6x6 input, the layers of network.onnx"),
        std::string::npos)
        << e.what();
  }
  // Widths for a convolutional model: refused.
  std::ofstream(cfg) << "network: {onnx: cnn.onnx, layers: [72, 3]}\n";
  EXPECT_THROW((void)NetworkSpec::from_params(Params::from_file(cfg).child("network"), NetworkSpec::kMayGiveWeights),
               ConfigError);
}

}  // namespace
}  // namespace xbarsim::workloads
