#include "workloads/onnx_import.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace xbarsim::workloads {

namespace {

constexpr const char* kSupported =
    "xbarsim imports chains of Conv (group 1, dilations 1, square kernel, equal strides, pads [p, p, p, p]), "
    "MaxPool/AveragePool after a Conv (square kernel, equal strides, no pads, ceil_mode 0), Flatten/Reshape to "
    "[N, features], fully connected layers as Gemm (alpha = beta = 1, transB 0 or 1) or MatMul + Add of "
    "initializers, Relu between layers and an optional final Softmax/LogSoftmax (docs/onnx.md)";

constexpr std::int64_t kMaxWidth = 1 << 20;     // as network.layers: inputs and dense outputs
constexpr std::int64_t kMaxFeatures = 1 << 24;  // a convolution's output feature map
constexpr std::int64_t kMaxChannels = 1 << 16;  // as network.input and a conv's channels
constexpr std::int64_t kMaxKernel = 64;         // kernel, stride and padding, as network.layers

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::string describe(const std::vector<std::int64_t>& dims) {
  std::vector<std::string> s;
  s.reserve(dims.size());
  for (auto d : dims) s.push_back(d < 0 ? "N" : std::to_string(d));
  return fmt::format("[{}]", fmt::join(s, ", "));
}

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
    if (net_.weights.empty()) fail_graph("no Conv, Gemm or MatMul layer");
    if (after_relu_) fail_graph("a Relu after the last layer; the last layer must give the logits (no activation)");
    if (!flat_) {
      fail_graph(fmt::format("the output {} is not flattened; the logits are [N, classes] (Flatten them)", shape()));
    }
    try {
      net_.topology = builder_->finish();
    } catch (const std::invalid_argument& e) {
      fail_graph(e.what());
    }
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

  // The single graph input that is not an initializer: FLOAT, [N, F] or [N, C, H, W].
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
    const bool rank2 = dims.size() == 2 && dims[1] > 0;
    const bool rank4 = dims.size() == 4 && dims[1] > 0 && dims[2] > 0 && dims[3] > 0;
    if (!tt.has_shape() || !(rank2 || rank4)) {
      fail_graph(fmt::format("graph input '{}' has shape {}; [N, features] or [N, channels, height, width] expected",
                             current_, tt.has_shape() ? describe(dims) : "(none)"));
    }
    if (rank4 && (dims[1] > kMaxChannels || dims[2] > kMaxChannels || dims[3] > kMaxChannels)) {
      fail_graph(fmt::format("graph input '{}' has shape {}; at most {} per dimension", current_, describe(dims),
                             kMaxChannels));
    }
    const std::int64_t features = rank2 ? dims[1] : dims[1] * dims[2] * dims[3];
    if (features > kMaxWidth) {
      fail_graph(fmt::format("graph input '{}' has {} features; at most {}", current_, features, kMaxWidth));
    }
    flat_ = rank2;
    const arch::FeatureShape in =
        rank2 ? arch::FeatureShape{static_cast<int>(features), 1, 1}
              : arch::FeatureShape{static_cast<int>(dims[1]), static_cast<int>(dims[2]), static_cast<int>(dims[3])};
    builder_.emplace(in);
  }

  // The tensor the chain holds now: "[N, F]" or "[N, C, H, W]".
  std::string shape() const {
    const arch::FeatureShape& s = builder_->current();
    return flat_ ? describe({-1, s.size()}) : describe({-1, s.channels, s.height, s.width});
  }

  void walk() {
    const auto& nodes = graph_.node();
    for (int i = 0; i < nodes.size(); ++i) {
      index_ = i;
      const auto& n = nodes[i];
      if (n.op_type() == "Constant") continue;  // its value is read where it is used
      if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, fmt::format("domain '{}'", n.domain()));
      if (ended_) fail(n, "a node after the final Softmax/LogSoftmax");
      if (n.input_size() < 1 || n.input(0) != current_) {
        fail(n, fmt::format("not a chain: its first input is not '{}', the previous node's output", current_));
      }
      if (n.output_size() != 1) fail(n, fmt::format("{} outputs; one expected", n.output_size()));
      const std::string& op = n.op_type();
      if (op == "Flatten") {
        flatten(n);
      } else if (op == "Reshape") {
        reshape(n);
      } else if (op == "Conv") {
        conv(n);
      } else if (op == "MaxPool") {
        pool(n, arch::PoolKind::kMax);
      } else if (op == "AveragePool") {
        pool(n, arch::PoolKind::kAverage);
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
        build(n, [&] { builder_->relu(); });
        after_relu_ = true;
      } else if (op == "Softmax" || op == "LogSoftmax") {
        if (net_.weights.empty() || after_relu_) fail(n, "a Softmax/LogSoftmax that does not follow the last layer");
        if (!flat_) fail(n, fmt::format("a Softmax/LogSoftmax of the feature map {}; [N, classes] expected", shape()));
        for (const auto& a : n.attribute()) {
          if (a.name() != "axis" || (a.i() != 1 && a.i() != -1)) fail(n, "an axis other than the classes (1 or -1)");
        }
        ended_ = true;
      } else {
        fail(n, fmt::format("operator {} is not supported", op));
      }
      current_ = nodes[i].output(0);  // a MatMul's: the Add's output
    }
  }

  // Runs one step of the TopologyBuilder; its refusal (a sentence) becomes the node's.
  template <class Step>
  void build(const onnx::NodeProto& n, Step step) {
    try {
      step();
    } catch (const std::invalid_argument& e) {
      fail(n, e.what());
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
  // An INTS attribute's values, or `otherwise` when it is absent.
  std::vector<std::int64_t> ints(const onnx::NodeProto& n, const char* name,
                                 std::vector<std::int64_t> otherwise) const {
    if (auto a = attribute(n, name); a) return {(*a)->ints().begin(), (*a)->ints().end()};
    return otherwise;
  }
  // Whether every value of `v` is `x` (and there are `count` of them).
  static bool all(const std::vector<std::int64_t>& v, std::size_t count, std::int64_t x) {
    return v.size() == count && std::all_of(v.begin(), v.end(), [x](std::int64_t e) { return e == x; });
  }
  static bool same(const std::vector<std::int64_t>& v, std::size_t count) {
    return v.size() == count && all(v, count, v[0]);
  }

  // auto_pad NOTSET (the default: explicit pads) or VALID (no padding).
  void check_auto_pad(const onnx::NodeProto& n, const std::vector<std::int64_t>& pads) const {
    if (auto a = attribute(n, "auto_pad"); a) {
      const std::string& v = (*a)->s();
      if (v != "NOTSET" && v != "VALID") fail(n, fmt::format("auto_pad {}; NOTSET (explicit pads) expected", v));
      if (v == "VALID" && !all(pads, 4, 0)) fail(n, fmt::format("auto_pad VALID with pads {}", describe(pads)));
    }
  }
  void check_dilations(const onnx::NodeProto& n) const {
    const auto d = ints(n, "dilations", {1, 1});
    if (!all(d, 2, 1)) fail(n, fmt::format("dilations {}; [1, 1] expected", describe(d)));
  }
  // strides [s, s] (default [1, 1]), 1 <= s <= kMaxKernel.
  int strides(const onnx::NodeProto& n) const {
    const auto s = ints(n, "strides", {1, 1});
    if (!same(s, 2) || s[0] < 1 || s[0] > kMaxKernel) {
      fail(n, fmt::format("strides {}; equal strides [s, s], 1 <= s <= {}, expected", describe(s), kMaxKernel));
    }
    return static_cast<int>(s[0]);
  }

  void flatten_here(const onnx::NodeProto& n) {
    if (flat_ && !net_.weights.empty()) {
      fail(n, fmt::format("a {} of {}, already flat, after a layer (only feature maps and the input are flattened)",
                          n.op_type(), shape()));
    }
    build(n, [&] { builder_->flatten(); });
    flat_ = true;
  }

  void flatten(const onnx::NodeProto& n) {
    only_attributes(n, {"axis"});
    if (auto a = attribute(n, "axis"); a && (*a)->i() != 1) fail(n, fmt::format("axis {}; 1 expected", (*a)->i()));
    flatten_here(n);
  }

  void reshape(const onnx::NodeProto& n) {
    only_attributes(n, {"allowzero"});
    if (auto a = attribute(n, "allowzero"); a && (*a)->i() != 0) fail(n, "allowzero 1; 0 expected");
    if (n.input_size() != 2) fail(n, "a Reshape without its shape input");
    const onnx::TensorProto& t = constant(n, n.input(1));
    if (t.data_type() != onnx::TensorProto_DataType_INT64) fail(n, "a shape that is not INT64");
    std::vector<std::int64_t> to;
    if (!t.raw_data().empty()) {
      to.resize(t.raw_data().size() / 8);
      std::memcpy(to.data(), t.raw_data().data(), to.size() * 8);
      if constexpr (std::endian::native == std::endian::big) {
        for (auto& v : to) v = static_cast<std::int64_t>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
      }
    } else {
      to.assign(t.int64_data().begin(), t.int64_data().end());
    }
    const int features = builder_->current().size();
    const bool batch_ok = to.size() == 2 && (to[0] == -1 || to[0] == 0 || (to[0] == 1 && batch_one_));
    if (!batch_ok || (to[1] != features && to[1] != -1)) {
      fail(n, fmt::format("reshapes {} to {}; only [-1, {}] (flattening) is supported", shape(),
                          fmt::format("[{}]", fmt::join(to, ", ")), features));
    }
    flatten_here(n);
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

  // A weighted layer may come here: after a Relu, unless it is the first.
  void check_relu_before(const onnx::NodeProto& n) const {
    if (!net_.weights.empty() && !after_relu_) {
      fail(n, fmt::format("no Relu between layer {} and this one (xbarsim's networks have a ReLU after every layer "
                          "but the last)",
                          net_.weights.size()));
    }
  }

  // Checks a fully connected layer may come here; returns its input width.
  int layer_input(const onnx::NodeProto& n) const {
    if (!flat_) {
      fail(n, fmt::format("the input {} is not flattened (Flatten or Reshape to [N, {}] first)", shape(),
                          builder_->current().size()));
    }
    check_relu_before(n);
    return builder_->current().size();
  }

  void add_layer(Eigen::MatrixXf w, Eigen::VectorXf bias) {
    net_.biases.push_back(std::move(bias));
    net_.weights.push_back(std::move(w));
    after_relu_ = false;
  }
  static Eigen::VectorXf vector(const std::vector<float>& v) {
    return Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Eigen::Index>(v.size()));
  }

  // Out width from B's shape (checked against the input width).
  std::int64_t out_width(const onnx::NodeProto& n, const std::string& b, bool trans_b) const {
    const onnx::TensorProto& t = constant(n, b);
    if (t.dims_size() != 2) fail(n, fmt::format("weight '{}' is not a matrix", b));
    const std::int64_t in = trans_b ? t.dims(1) : t.dims(0);
    const int width = builder_->current().size();
    if (in != width) {
      fail(n, fmt::format("weight '{}' takes {} inputs, the previous layer gives {}", b, in, width));
    }
    const std::int64_t out = trans_b ? t.dims(0) : t.dims(1);
    if (out < 1 || out > kMaxWidth) {
      fail(n, fmt::format("weight '{}' gives {} outputs; 1 to {} expected", b, out, kMaxWidth));
    }
    return out;
  }

  void conv(const onnx::NodeProto& n) {
    if (flat_) {
      fail(n, fmt::format("a Conv of the flat tensor {}; Conv takes [N, channels, height, width]", shape()));
    }
    check_relu_before(n);
    only_attributes(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    if (auto a = attribute(n, "group"); a && (*a)->i() != 1) {
      fail(n, fmt::format("group {}; 1 expected (no grouped or depthwise convolutions)", (*a)->i()));
    }
    check_dilations(n);
    const auto pads = ints(n, "pads", {0, 0, 0, 0});
    check_auto_pad(n, pads);
    if (!same(pads, 4) || pads[0] < 0 || pads[0] > kMaxKernel) {
      fail(n, fmt::format("pads {}; the same padding on every side, [p, p, p, p] with 0 <= p <= {}, expected",
                          describe(pads), kMaxKernel));
    }
    const int stride = strides(n);
    if (n.input_size() != 2 && n.input_size() != 3) fail(n, "a Conv without its weight input");
    const std::string& w_name = n.input(1);
    const onnx::TensorProto& wt = constant(n, w_name);
    const std::vector<std::int64_t> wd(wt.dims().begin(), wt.dims().end());
    if (wd.size() != 4) {
      fail(n,
           fmt::format("weight '{}' has shape {}; [out_channels, in_channels, k, k] expected", w_name, describe(wd)));
    }
    const arch::FeatureShape in = builder_->current();
    if (wd[1] != in.channels) {
      fail(n,
           fmt::format("weight '{}' takes {} input channels, the previous layer gives {}", w_name, wd[1], in.channels));
    }
    if (wd[2] != wd[3] || wd[2] < 1 || wd[2] > kMaxKernel) {
      fail(n, fmt::format("weight '{}' has a {}x{} kernel; square kernels of 1 to {} expected", w_name, wd[2], wd[3],
                          kMaxKernel));
    }
    if (wd[0] < 1 || wd[0] > kMaxChannels) {
      fail(n, fmt::format("weight '{}' gives {} channels; 1 to {} expected", w_name, wd[0], kMaxChannels));
    }
    if (const auto ks = ints(n, "kernel_shape", {wd[2], wd[3]}); ks != std::vector<std::int64_t>{wd[2], wd[3]}) {
      fail(n, fmt::format("kernel_shape {} is not the weight's {}", describe(ks), describe({wd[2], wd[3]})));
    }
    const std::int64_t out_ch = wd[0];
    const std::int64_t k = wd[2];
    const std::int64_t p = pads[0];
    if (in.height + 2 * p >= k && in.width + 2 * p >= k) {
      const std::int64_t features =
          out_ch * ((in.height + 2 * p - k) / stride + 1) * ((in.width + 2 * p - k) / stride + 1);
      if (features > kMaxFeatures) fail(n, fmt::format("{} output features; at most {}", features, kMaxFeatures));
    }
    const auto w = floats(n, w_name, {wd});
    Eigen::VectorXf bias = Eigen::VectorXf::Zero(out_ch);
    if (n.input_size() == 3 && !n.input(2).empty()) bias = vector(floats(n, n.input(2), {{out_ch}}));
    build(n, [&] { builder_->conv(static_cast<int>(out_ch), static_cast<int>(k), stride, static_cast<int>(p)); });
    // [O, C, k, k] row-major: row o holds (channel, kernel row, kernel column), as W's inputs.
    add_layer(Eigen::Map<const RowMajor>(w.data(), out_ch, in.channels * k * k), std::move(bias));
  }

  void pool(const onnx::NodeProto& n, arch::PoolKind kind) {
    if (kind == arch::PoolKind::kMax) {
      only_attributes(n, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
    } else {
      only_attributes(n,
                      {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"});
    }
    const auto ks = ints(n, "kernel_shape", {});
    if (!same(ks, 2) || ks[0] < 1 || ks[0] > kMaxKernel) {
      fail(n, fmt::format("kernel_shape {}; a square kernel [k, k], 1 <= k <= {}, expected",
                          attribute(n, "kernel_shape") ? describe(ks) : "absent", kMaxKernel));
    }
    const int stride = strides(n);
    const auto pads = ints(n, "pads", {0, 0, 0, 0});
    check_auto_pad(n, pads);
    if (!all(pads, 4, 0)) fail(n, fmt::format("pads {}; no padding ([0, 0, 0, 0]) expected", describe(pads)));
    if (auto a = attribute(n, "ceil_mode"); a && (*a)->i() != 0) {
      fail(n, fmt::format("ceil_mode {}; 0 expected (output sizes rounded down)", (*a)->i()));
    }
    check_dilations(n);
    if (flat_) fail(n, fmt::format("a pool of the flat tensor {}; pools follow a Conv", shape()));
    build(n, [&] { builder_->pool(kind, static_cast<int>(ks[0]), stride); });
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
    build(n, [&] { builder_->dense(static_cast<int>(out)); });
    add_layer(std::move(w), vector(c));
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
    build(add, [&] { builder_->dense(static_cast<int>(out)); });
    add_layer(Eigen::Map<const Eigen::MatrixXf>(b.data(), out, in), vector(c));
  }

  std::filesystem::path file_;
  const onnx::GraphProto& graph_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  OnnxNetwork net_;
  std::optional<arch::TopologyBuilder> builder_;
  std::string current_;
  int index_ = 0;
  bool flat_ = false;  // the chain's tensor is [N, F] (else [N, C, H, W])
  bool batch_one_ = false;
  bool after_relu_ = false;
  bool ended_ = false;
};

}  // namespace

void OnnxNetwork::copy_to(Network& net) const {
  if (net.topology().describe() != topology.describe() || net.topology().features() != topology.features()) {
    throw std::invalid_argument("OnnxNetwork::copy_to: the layers differ");
  }
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
