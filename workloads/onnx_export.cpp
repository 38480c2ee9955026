#include "workloads/onnx_export.hpp"

#include <onnx/onnx_pb.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/report.hpp"

namespace xbarsim::workloads {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// prefix + l + suffix (appending: GCC 12's -Wrestrict misfires on "literal" + std::string).
std::string id(const char* prefix, std::size_t l, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(l);
  s += suffix;
  return s;
}

class Writer {
 public:
  explicit Writer(onnx::GraphProto& g) : g_(g) {}

  void floats(const std::string& name, std::initializer_list<std::int64_t> dims, const float* v, std::size_t count) {
    auto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (auto d : dims) t->add_dims(d);
    std::string bytes(count * 4, '\0');
    std::memcpy(bytes.data(), v, bytes.size());
    if constexpr (std::endian::native == std::endian::big) {  // ONNX raw_data is little-endian
      for (std::size_t k = 0; k < count; ++k) {
        std::uint32_t u = 0;
        std::memcpy(&u, bytes.data() + k * 4, 4);
        u = __builtin_bswap32(u);
        std::memcpy(bytes.data() + k * 4, &u, 4);
      }
    }
    t->set_raw_data(std::move(bytes));
  }

  // Appends `op` reading `inputs` (the chain's tensor first); its output continues the chain.
  onnx::NodeProto* node(const char* op, const std::string& name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = g_.add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->add_input(current);
    for (auto& in : inputs) n->add_input(std::move(in));
    n->add_output(output);
    current = output;
    return n;
  }

  static void ints(onnx::NodeProto* n, const char* name, std::initializer_list<std::int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void integer(onnx::NodeProto* n, const char* name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(v);
  }

  std::string current;

 private:
  onnx::GraphProto& g_;
};

void tensor_type(onnx::ValueInfoProto* v, const std::string& name, std::initializer_list<std::int64_t> dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

}  // namespace

void export_onnx(const Network& net, const std::filesystem::path& file) {
  const arch::Topology& t = net.topology();
  onnx::ModelProto m;
  m.set_ir_version(7);  // the IR of ONNX 1.8, which introduced opset 13
  m.set_producer_name("xbarsim");
#ifdef XBARSIM_VERSION
  m.set_producer_version(XBARSIM_VERSION);
#endif
  m.add_opset_import()->set_version(13);
  auto& g = *m.mutable_graph();
  g.set_name("xbarsim");
  g.set_doc_string(
      "exported by xbarsim; inputs as the run fed them: each IDX pixel p as p / 255 unless the run set "
      "data.preprocess (docs/onnx.md)");
  Writer w(g);
  w.current = "input";
  // A vector input without convolutions is [N, F]; anything else [N, C, H, W].
  bool flat = !t.has_conv() && t.input.height == 1 && t.input.width == 1;
  if (flat) {
    tensor_type(g.add_input(), "input", {t.input.size()});
  } else {
    tensor_type(g.add_input(), "input", {t.input.channels, t.input.height, t.input.width});
  }
  for (std::size_t l = 0; l < t.layers.size(); ++l) {
    const arch::LayerShape& s = t.layers[l];
    const bool last = l + 1 == t.layers.size();
    const RowMajor wr = net.weights()[l];  // row-major: [out, in] and [O, C, k, k] alike
    const std::string wn = id("layer", l, ".weight");
    const std::string bn = id("layer", l, ".bias");
    const auto rows = static_cast<std::int64_t>(wr.rows());
    if (s.is_conv()) {
      w.floats(wn, {rows, s.in.channels, s.kernel, s.kernel}, wr.data(), static_cast<std::size_t>(wr.size()));
      w.floats(bn, {rows}, net.biases()[l].data(), static_cast<std::size_t>(rows));
      auto* n = w.node("Conv", id("/layer", l, "/Conv"), {wn, bn}, id("conv", l));
      Writer::ints(n, "dilations", {1, 1});
      Writer::integer(n, "group", 1);
      Writer::ints(n, "kernel_shape", {s.kernel, s.kernel});
      Writer::ints(n, "pads", {s.padding, s.padding, s.padding, s.padding});
      Writer::ints(n, "strides", {s.stride, s.stride});
    } else {
      if (!flat) {
        Writer::integer(w.node("Flatten", id("/layer", l, "/Flatten"), {}, id("flat", l)), "axis", 1);
        flat = true;
      }
      w.floats(wn, {rows, wr.cols()}, wr.data(), static_cast<std::size_t>(wr.size()));
      w.floats(bn, {rows}, net.biases()[l].data(), static_cast<std::size_t>(rows));
      auto* n = w.node("Gemm", id("/layer", l, "/Gemm"), {wn, bn}, id("fc", l));
      Writer::integer(n, "transB", 1);
    }
    if (s.relu) w.node("Relu", id("/layer", l, "/Relu"), {}, id("relu", l));
    if (s.pool != arch::PoolKind::kNone) {
      const bool max = s.pool == arch::PoolKind::kMax;
      auto* n = w.node(max ? "MaxPool" : "AveragePool", id("/layer", l, max ? "/MaxPool" : "/AveragePool"), {},
                       id("pool", l));
      Writer::integer(n, "ceil_mode", 0);
      Writer::ints(n, "kernel_shape", {s.pool_size, s.pool_size});
      Writer::ints(n, "pads", {0, 0, 0, 0});
      Writer::ints(n, "strides", {s.pool_stride, s.pool_stride});
    }
    if (last && !flat) {
      Writer::integer(w.node("Flatten", id("/layer", l, "/Flatten"), {}, "flat_out"), "axis", 1);
      flat = true;
    }
  }
  // The last node writes the graph output.
  g.mutable_node(g.node_size() - 1)->set_output(0, "logits");
  tensor_type(g.add_output(), "logits", {t.classes()});
  write_file_atomic(file, m.SerializeAsString());
}

}  // namespace xbarsim::workloads
