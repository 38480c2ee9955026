#include "workloads/onnx_import.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace xbarsim::workloads {

namespace {

constexpr const char* kSupported =
    "xbarsim imports fully connected networks: Flatten/Reshape to [N, features] at the input, per layer Gemm "
    "(alpha = beta = 1, transB 0 or 1) or MatMul + Add of initializers, Relu between layers, an optional final "
    "Softmax/LogSoftmax (docs/onnx.md)";

constexpr std::int64_t kMaxWidth = 1 << 20;  // as network.layers

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class Importer {
 public:
  Importer(std::filesystem::path file, const onnx::GraphProto& graph) : file_(std::move(file)), graph_(graph) {}

  OnnxNetwork run() {
    for (const auto& t : graph_.initializer()) constants_[t.name()] = &t;
    for (const auto& n : graph_.node()) {
      if (n.op_type() == "Constant" && n.output_size() == 1) {
        for (const auto& a : n.attribute()) {
          if (a.name() == "value" && a.has_t()) constants_[n.output(0)] = &a.t();
        }
      }
    }
    read_input();
    if (graph_.output_size() != 1) {
      fail_graph(fmt::format("{} graph outputs; exactly one (the logits) expected", graph_.output_size()));
    }
    walk();
    if (current_ != graph_.output(0).name()) {
      fail_graph(fmt::format("the chain of nodes ends in '{}', not in the graph output '{}'", current_,
                             graph_.output(0).name()));
    }
    if (net_.weights.empty()) fail_graph("no Gemm or MatMul layer");
    if (after_relu_) fail_graph("a Relu after the last layer; the last layer must give the logits (no activation)");
    net_.widths.push_back(width_);
    return std::move(net_);
  }

 private:
  [[noreturn]] void fail_graph(const std::string& what) const {
    throw DataError(fmt::format("{}: {}; {}", file_.string(), what, kSupported));
  }
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& what) const {
    throw DataError(
        fmt::format("{}: node {} '{}' ({}): {}; {}", file_.string(), index_, n.name(), n.op_type(), what, kSupported));
  }

  // The single graph input that is not an initializer: FLOAT, [N, F] or [N, 1, H, W].
  void read_input() {
    const onnx::ValueInfoProto* input = nullptr;
    int count = 0;
    for (const auto& in : graph_.input()) {
      if (constants_.count(in.name()) != 0) continue;  // IR < 4 lists initializers as inputs
      input = &in;
      ++count;
    }
    if (count != 1) fail_graph(fmt::format("{} graph inputs; exactly one (the image batch) expected", count));
    current_ = input->name();
    if (!input->type().has_tensor_type()) fail_graph(fmt::format("graph input '{}' is not a tensor", current_));
    const auto& tt = input->type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto_DataType_FLOAT) {
      fail_graph(fmt::format("graph input '{}' is {}; FLOAT expected", current_,
                             onnx::TensorProto_DataType_Name(tt.elem_type())));
    }
    std::vector<std::int64_t> dims;
    for (const auto& d : tt.shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    batch_one_ = !dims.empty() && dims[0] == 1;
    const auto shape = describe(dims);
    const bool rank2 = dims.size() == 2 && dims[1] > 0;
    const bool rank4 = dims.size() == 4 && dims[1] == 1 && dims[2] > 0 && dims[3] > 0;
    if (!tt.has_shape() || !(rank2 || rank4)) {
      fail_graph(fmt::format("graph input '{}' has shape {}; [N, features] or [N, 1, height, width] expected", current_,
                             tt.has_shape() ? shape : "(none)"));
    }
    const std::int64_t features = rank2 ? dims[1] : dims[2] * dims[3];
    if (features > kMaxWidth) {
      fail_graph(fmt::format("graph input '{}' has {} features; at most {}", current_, features, kMaxWidth));
    }
    flat_ = rank2;
    width_ = static_cast<int>(features);
    input_shape_ = shape;
  }

  static std::string describe(const std::vector<std::int64_t>& dims) {
    std::vector<std::string> s;
    s.reserve(dims.size());
    for (auto d : dims) s.push_back(d < 0 ? "N" : std::to_string(d));
    return fmt::format("[{}]", fmt::join(s, ", "));
  }

  void walk() {
    const auto& nodes = graph_.node();
    for (int i = 0; i < nodes.size(); ++i) {
      index_ = i;
      const auto& n = nodes[i];
      if (n.op_type() == "Constant") continue;  // its value is read where it is used
      if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, fmt::format("domain '{}'", n.domain()));
      if (ended_) fail(n, "a node after the final Softmax/LogSoftmax");
      if (n.input_size() < 1 || n.input(0) != current_ || n.output_size() != 1) {
        fail(n, fmt::format("not a chain: its first input is not '{}', the previous node's output", current_));
      }
      const std::string& op = n.op_type();
      if (op == "Flatten") {
        flatten(n);
      } else if (op == "Reshape") {
        reshape(n);
      } else if (op == "Gemm") {
        gemm(n);
      } else if (op == "MatMul") {
        if (i + 1 >= nodes.size() || nodes[i + 1].op_type() != "Add") {
          fail(n, "a MatMul not followed by Add (the bias)");
        }
        matmul_add(n, nodes[i + 1]);
        ++i;
      } else if (op == "Relu") {
        if (net_.weights.empty() || after_relu_) fail(n, "a Relu that does not follow a layer");
        only_attributes(n, {});
        after_relu_ = true;
      } else if (op == "Softmax" || op == "LogSoftmax") {
        if (net_.weights.empty() || after_relu_) fail(n, "a Softmax/LogSoftmax that does not follow the last layer");
        for (const auto& a : n.attribute()) {
          if (a.name() != "axis" || (a.i() != 1 && a.i() != -1)) fail(n, "an axis other than the classes (1 or -1)");
        }
        ended_ = true;
      } else {
        fail(n, fmt::format("operator {} is not supported", op));
      }
      current_ = n.output(0);
      if (op == "MatMul") current_ = nodes[i].output(0);  // the Add's output
    }
  }

  void only_attributes(const onnx::NodeProto& n, std::initializer_list<const char*> allowed) const {
    for (const auto& a : n.attribute()) {
      bool ok = false;
      for (const char* name : allowed) ok = ok || a.name() == name;
      if (!ok) fail(n, fmt::format("attribute {} is not supported", a.name()));
    }
  }
  std::optional<const onnx::AttributeProto*> attribute(const onnx::NodeProto& n, const char* name) const {
    for (const auto& a : n.attribute()) {
      if (a.name() == name) return &a;
    }
    return std::nullopt;
  }

  void before_first_layer(const onnx::NodeProto& n) const {
    if (!net_.weights.empty()) fail(n, "a reshape between layers (only the input may be flattened)");
  }

  void flatten(const onnx::NodeProto& n) {
    before_first_layer(n);
    only_attributes(n, {"axis"});
    if (auto a = attribute(n, "axis"); a && (*a)->i() != 1) fail(n, fmt::format("axis {}; 1 expected", (*a)->i()));
    flat_ = true;
  }

  void reshape(const onnx::NodeProto& n) {
    before_first_layer(n);
    only_attributes(n, {"allowzero"});
    if (auto a = attribute(n, "allowzero"); a && (*a)->i() != 0) fail(n, "allowzero 1; 0 expected");
    if (n.input_size() != 2) fail(n, "a Reshape without its shape input");
    const onnx::TensorProto& t = constant(n, n.input(1));
    if (t.data_type() != onnx::TensorProto_DataType_INT64) fail(n, "a shape that is not INT64");
    std::vector<std::int64_t> shape;
    if (!t.raw_data().empty()) {
      shape.resize(t.raw_data().size() / 8);
      std::memcpy(shape.data(), t.raw_data().data(), shape.size() * 8);
      if constexpr (std::endian::native == std::endian::big) {
        for (auto& v : shape) v = static_cast<std::int64_t>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
      }
    } else {
      shape.assign(t.int64_data().begin(), t.int64_data().end());
    }
    const bool batch_ok = shape.size() == 2 && (shape[0] == -1 || shape[0] == 0 || (shape[0] == 1 && batch_one_));
    if (!batch_ok || (shape[1] != width_ && shape[1] != -1)) {
      fail(n, fmt::format("reshapes {} to {}; only [-1, {}] (flattening the input) is supported", input_shape_,
                          fmt::format("[{}]", fmt::join(shape, ", ")), width_));
    }
    flat_ = true;
  }

  const onnx::TensorProto& constant(const onnx::NodeProto& n, const std::string& name) const {
    auto it = constants_.find(name);
    if (it == constants_.end()) {
      fail(n, fmt::format("input '{}' is not an initializer (a constant stored in the file)", name));
    }
    return *it->second;
  }

  // A FLOAT initializer's values, row-major, checked to have `dims`.
  std::vector<float> floats(const onnx::NodeProto& n, const std::string& name,
                            const std::vector<std::vector<std::int64_t>>& dims_allowed) const {
    const onnx::TensorProto& t = constant(n, name);
    if (t.data_type() != onnx::TensorProto_DataType_FLOAT) {
      fail(n, fmt::format("initializer '{}' is {}; only FLOAT (32-bit) weights are supported", name,
                          onnx::TensorProto_DataType_Name(t.data_type())));
    }
    if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
      fail(n, fmt::format("initializer '{}' is stored outside the model (external data); save it inside", name));
    }
    const std::vector<std::int64_t> dims(t.dims().begin(), t.dims().end());
    bool ok = false;
    for (const auto& d : dims_allowed) ok = ok || d == dims;
    if (!ok) {
      std::vector<std::string> expected;
      expected.reserve(dims_allowed.size());
      for (const auto& d : dims_allowed) expected.push_back(describe(d));
      fail(n, fmt::format("initializer '{}' has shape {}; {} expected", name, describe(dims),
                          fmt::join(expected, " or ")));
    }
    std::size_t count = 1;
    for (auto d : dims) count *= static_cast<std::size_t>(d);
    std::vector<float> v;
    if (t.has_raw_data()) {
      if (t.raw_data().size() != count * 4) {
        fail(n,
             fmt::format("initializer '{}' holds {} bytes, its shape needs {}", name, t.raw_data().size(), count * 4));
      }
      v.resize(count);
      std::memcpy(v.data(), t.raw_data().data(), count * 4);
      if constexpr (std::endian::native == std::endian::big) {
        for (auto& x : v) x = std::bit_cast<float>(__builtin_bswap32(std::bit_cast<std::uint32_t>(x)));
      }
    } else {
      if (static_cast<std::size_t>(t.float_data_size()) != count) {
        fail(n, fmt::format("initializer '{}' holds {} values, its shape needs {}", name, t.float_data_size(), count));
      }
      v.assign(t.float_data().begin(), t.float_data().end());
    }
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (!std::isfinite(v[k])) {
        fail(n, fmt::format("initializer '{}' value {} is {} (finite expected)", name, k, v[k]));
      }
    }
    return v;
  }

  // Checks the layer may come here; returns its input width.
  int layer_input(const onnx::NodeProto& n) const {
    if (!flat_) {
      fail(n, fmt::format("the input {} is not flattened (Flatten or Reshape to [N, {}] first)", input_shape_, width_));
    }
    if (!net_.weights.empty() && !after_relu_) {
      fail(n, fmt::format("no Relu between layer {} and this one (the MLP has a ReLU after every layer but the last)",
                          net_.weights.size()));
    }
    return width_;
  }

  void add_layer(Eigen::MatrixXf w, const std::vector<float>& bias) {
    net_.widths.push_back(width_);
    net_.biases.emplace_back(Eigen::Map<const Eigen::VectorXf>(bias.data(), static_cast<Eigen::Index>(bias.size())));
    width_ = static_cast<int>(w.rows());
    net_.weights.push_back(std::move(w));
    after_relu_ = false;
  }

  // Out width from B's shape (checked against the input width).
  std::int64_t out_width(const onnx::NodeProto& n, const std::string& b, bool trans_b) const {
    const onnx::TensorProto& t = constant(n, b);
    if (t.dims_size() != 2) fail(n, fmt::format("weight '{}' is not a matrix", b));
    const std::int64_t in = trans_b ? t.dims(1) : t.dims(0);
    if (in != width_) {
      fail(n, fmt::format("weight '{}' takes {} inputs, the previous layer gives {}", b, in, width_));
    }
    const std::int64_t out = trans_b ? t.dims(0) : t.dims(1);
    if (out < 1 || out > kMaxWidth) {
      fail(n, fmt::format("weight '{}' gives {} outputs; 1 to {} expected", b, out, kMaxWidth));
    }
    return out;
  }

  void gemm(const onnx::NodeProto& n) {
    const int in = layer_input(n);
    only_attributes(n, {"alpha", "beta", "transA", "transB"});
    for (const char* name : {"alpha", "beta"}) {
      if (auto a = attribute(n, name); a && (*a)->f() != 1.0F) {
        fail(n, fmt::format("{} = {}; 1 expected", name, (*a)->f()));
      }
    }
    if (auto a = attribute(n, "transA"); a && (*a)->i() != 0) fail(n, "transA = 1; 0 expected");
    bool trans_b = false;
    if (auto a = attribute(n, "transB"); a) {
      if ((*a)->i() != 0 && (*a)->i() != 1) fail(n, fmt::format("transB = {}; 0 or 1 expected", (*a)->i()));
      trans_b = (*a)->i() == 1;
    }
    if (n.input_size() != 3) fail(n, "a Gemm without a bias C");
    const std::int64_t out = out_width(n, n.input(1), trans_b);
    const auto b =
        floats(n, n.input(1), {trans_b ? std::vector<std::int64_t>{out, in} : std::vector<std::int64_t>{in, out}});
    const auto c = floats(n, n.input(2), {{out}, {1, out}});
    Eigen::MatrixXf w;
    if (trans_b) {
      w = Eigen::Map<const RowMajor>(b.data(), out, in);  // B is (out, in) row-major: W itself
    } else {
      w = Eigen::Map<const Eigen::MatrixXf>(b.data(), out, in);  // (in, out) row-major = (out x in) column-major
    }
    add_layer(std::move(w), c);
  }

  void matmul_add(const onnx::NodeProto& mm, const onnx::NodeProto& add) {
    const int in = layer_input(mm);
    only_attributes(mm, {});
    if (mm.input_size() != 2) fail(mm, "a MatMul without two inputs");
    const std::int64_t out = out_width(mm, mm.input(1), false);
    const auto b = floats(mm, mm.input(1), {{in, out}});
    ++index_;
    only_attributes(add, {});
    if (add.input_size() != 2 || add.output_size() != 1) fail(add, "an Add without two inputs");
    std::string bias;
    if (add.input(0) == mm.output(0)) {
      bias = add.input(1);
    } else if (add.input(1) == mm.output(0)) {
      bias = add.input(0);
    } else {
      fail(add, fmt::format("an Add that does not take the MatMul's output '{}'", mm.output(0)));
    }
    const auto c = floats(add, bias, {{out}, {1, out}});
    add_layer(Eigen::Map<const Eigen::MatrixXf>(b.data(), out, in), c);
  }

  std::filesystem::path file_;
  const onnx::GraphProto& graph_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  OnnxNetwork net_;
  std::string current_;
  std::string input_shape_;
  int index_ = 0;
  int width_ = 0;
  bool flat_ = false;
  bool batch_one_ = false;
  bool after_relu_ = false;
  bool ended_ = false;
};

}  // namespace

void OnnxNetwork::copy_to(Network& net) const {
  if (net.topology().widths() != widths) throw std::invalid_argument("OnnxNetwork::copy_to: the widths differ");
  for (std::size_t l = 0; l < weights.size(); ++l) {
    net.weights()[l] = weights[l];
    net.biases()[l] = biases[l];
  }
}

OnnxNetwork import_onnx(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open ONNX model", file.string()));
  // Not a device or a pipe (/dev/zero would never end); protobuf reads at most 2 GB.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw DataError(fmt::format("{}: not a regular file (an ONNX model expected)", file.string()));
  }
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) throw DataError(fmt::format("{}: cannot read ONNX model ({})", file.string(), ec.message()));
  if (size >= (std::uintmax_t{1} << 31)) {
    throw DataError(fmt::format("{}: larger than 2 GB, beyond what an ONNX model holds in one file", file.string()));
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(fmt::format("{}: cannot read ONNX model", file.string()));
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes)) {
    throw DataError(fmt::format("{}: not an ONNX model (the ModelProto does not parse: truncated or another format)",
                                file.string()));
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw DataError(fmt::format("{}: not an ONNX model (no graph; truncated or another format)", file.string()));
  }
  OnnxNetwork net = Importer(file, model.graph()).run();
  net.crc32 = static_cast<std::uint32_t>(
      ::crc32(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  return net;
}

}  // namespace xbarsim::workloads
