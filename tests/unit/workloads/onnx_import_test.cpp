// network.onnx (workloads/onnx_import.hpp): the test writes small ONNX models with the protobuf
// classes of libonnx-dev. An imported 784-16-10 network computes what its weights say (Gemm with
// transB 1 and 0, MatMul + Add; raw_data and float_data; [N, 784] and Flatten of [N, 1, 28, 28]);
// every unsupported form is refused with one line naming the file and the node; NetworkSpec reads
// network.onnx from a configuration.
#include "workloads/onnx_import.hpp"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "core/error.hpp"
#include "core/params.hpp"
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
  ASSERT_EQ(net.widths, (std::vector<int>{784, 16, 10}));
  Network mlp(net.widths);
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

TEST_F(OnnxImportTest, ConvIsRefusedNamingTheNode) {
  auto m = make_model({.image_input = true});
  auto* n = m.mutable_graph()->mutable_node(0);  // the Flatten becomes a Conv
  n->set_op_type("Conv");
  n->set_name("conv1");
  const auto e = error_of(m);
  EXPECT_NE(e.find("node 0 'conv1' (Conv): operator Conv is not supported"), std::string::npos) << e;
  EXPECT_NE(e.find("fully connected"), std::string::npos) << e;
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
  // Three channels are not a flattened grey image.
  auto m3 = make_model({.image_input = true});
  m3.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(3);
  const auto e3 = error_of(m3);
  EXPECT_NE(e3.find("graph input 'input' has shape [N, 3, 28, 28]"), std::string::npos) << e3;
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

// The fuzz target's seed (tests/fuzz/onnx_fuzz.cpp) is a model that imports, so that fuzzing
// starts from inputs that reach every step of the importer.
TEST(OnnxFuzzSeed, Imports) {
  const auto net = import_onnx(std::filesystem::path(XBARSIM_SOURCE_DIR) / "tests/fuzz/corpus/onnx/seed_4_3_2.onnx");
  EXPECT_EQ(net.widths, (std::vector<int>{4, 3, 2}));
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

}  // namespace
}  // namespace xbarsim::workloads
