#include "arch/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace xbarsim::arch {
namespace {

// Number of positions of [begin, begin + len) inside [0, size).
int in_bounds(int begin, int len, int size) { return std::max(0, std::min(begin + len, size) - std::max(begin, 0)); }

const char* pool_name(PoolKind k) { return k == PoolKind::kMax ? "maxpool" : "avgpool"; }

}  // namespace

FeatureShape LayerShape::pooled() const {
  if (pool == PoolKind::kNone) return out;
  return {out.channels, (out.height - pool_size) / pool_stride + 1, (out.width - pool_size) / pool_stride + 1};
}

long long LayerShape::pool_ops() const {
  if (pool == PoolKind::kNone) return 0;
  const long long per_output = pool == PoolKind::kMax ? pool_size * pool_size - 1 : pool_size * pool_size;
  return per_output * pooled().size();
}

long long LayerShape::buffer_reads() const {
  if (!is_conv()) return in.size();
  long long row_positions = 0;  // sum over output rows of the in-bounds input rows of its windows
  for (int oh = 0; oh < out.height; ++oh) row_positions += in_bounds(oh * stride - padding, kernel, in.height);
  long long col_positions = 0;  // per output row: the in-bounds columns each window reads anew
  for (int ow = 0; ow < out.width; ++ow) {
    const int begin = ow * stride - padding;
    // Columns before the previous window's end are already in the input register.
    const int fresh_from = ow == 0 ? begin : std::max(begin, (ow - 1) * stride - padding + kernel);
    col_positions += in_bounds(fresh_from, begin + kernel - fresh_from, in.width);
  }
  return static_cast<long long>(in.channels) * row_positions * col_positions;
}

long long LayerShape::buffer_reads_without_reuse() const {
  if (!is_conv()) return in.size();
  long long rows = 0;
  long long cols = 0;
  for (int oh = 0; oh < out.height; ++oh) rows += in_bounds(oh * stride - padding, kernel, in.height);
  for (int ow = 0; ow < out.width; ++ow) cols += in_bounds(ow * stride - padding, kernel, in.width);
  return static_cast<long long>(in.channels) * rows * cols;
}

std::string LayerShape::describe() const {
  std::string s =
      is_conv() ? fmt::format("conv {}x{}x{}x{} s{} p{}", out.channels, in.channels, kernel, kernel, stride, padding)
                : fmt::format("dense {}->{}", in.size(), out.size());
  if (relu) s += " relu";
  if (pool != PoolKind::kNone) s += fmt::format(" {}{}", pool_name(pool), pool_size);
  if (pool != PoolKind::kNone && pool_stride != pool_size) s += fmt::format("/{}", pool_stride);
  return s;
}

Topology Topology::mlp(const std::vector<int>& widths) {
  if (widths.size() < 2) throw std::invalid_argument("an MLP needs at least two widths");
  for (int w : widths) {
    if (w < 1) throw std::invalid_argument("every width must be at least 1");
  }
  TopologyBuilder b({widths.front(), 1, 1});
  for (std::size_t l = 1; l < widths.size(); ++l) {
    b.dense(widths[l]);
    if (l + 1 < widths.size()) b.relu();
  }
  return b.finish();
}

bool Topology::has_conv() const {
  return std::any_of(layers.begin(), layers.end(), [](const LayerShape& l) { return l.is_conv(); });
}

std::vector<int> Topology::widths() const {
  if (has_conv()) return {};
  std::vector<int> w{features()};
  for (const LayerShape& l : layers) w.push_back(l.pooled().size());
  return w;
}

double Topology::macs() const {
  double m = 0.0;
  for (const LayerShape& l : layers) m += l.macs();
  return m;
}

std::vector<std::string> Topology::describe() const {
  std::vector<std::string> out;
  for (const LayerShape& l : layers) out.push_back(l.describe());
  return out;
}

TopologyBuilder::TopologyBuilder(FeatureShape input) : current_(input) {
  if (input.channels < 1 || input.height < 1 || input.width < 1) {
    throw std::invalid_argument(
        fmt::format("the input shape {}x{}x{} has a dimension below 1", input.channels, input.height, input.width));
  }
  t_.input = input;
}

void TopologyBuilder::conv(int out_channels, int kernel, int stride, int padding) {
  if (flat_) throw std::invalid_argument("a convolution after flatten or a dense layer (its input is a vector)");
  if (out_channels < 1 || kernel < 1 || stride < 1 || padding < 0) {
    throw std::invalid_argument(
        fmt::format("a convolution needs channels, kernel and stride >= 1 and padding >= 0 (got {}, {}, {}, {})",
                    out_channels, kernel, stride, padding));
  }
  if (current_.height + 2 * padding < kernel || current_.width + 2 * padding < kernel) {
    throw std::invalid_argument(fmt::format("a {}x{} kernel does not fit the {}x{} input padded by {}", kernel, kernel,
                                            current_.height, current_.width, padding));
  }
  LayerShape l;
  l.kind = LayerShape::Kind::kConv;
  l.in = current_;
  l.kernel = kernel;
  l.stride = stride;
  l.padding = padding;
  l.out = {out_channels, (current_.height + 2 * padding - kernel) / stride + 1,
           (current_.width + 2 * padding - kernel) / stride + 1};
  t_.layers.push_back(l);
  current_ = l.out;
}

void TopologyBuilder::dense(int outputs) {
  if (outputs < 1) throw std::invalid_argument(fmt::format("a dense layer needs at least 1 output (got {})", outputs));
  LayerShape l;
  l.kind = LayerShape::Kind::kDense;
  l.in = {current_.size(), 1, 1};
  l.out = {outputs, 1, 1};
  t_.layers.push_back(l);
  current_ = l.out;
  flat_ = true;
}

void TopologyBuilder::relu() {
  if (t_.layers.empty()) throw std::invalid_argument("a ReLU before the first weighted layer");
  LayerShape& l = t_.layers.back();
  if (l.relu) throw std::invalid_argument("two ReLUs after one layer");
  // ReLU after an average pool does not commute with it: the layer's unit applies ReLU first.
  if (l.pool == PoolKind::kAverage) {
    throw std::invalid_argument("a ReLU after an average pool (the layer's unit applies the ReLU before pooling)");
  }
  l.relu = true;
}

void TopologyBuilder::pool(PoolKind kind, int size, int stride) {
  if (t_.layers.empty() || !t_.layers.back().is_conv() || flat_) {
    throw std::invalid_argument("a pool must follow a convolution (and its ReLU)");
  }
  LayerShape& l = t_.layers.back();
  if (l.pool != PoolKind::kNone) throw std::invalid_argument("two pools after one convolution");
  if (size < 1 || stride < 1) {
    throw std::invalid_argument(fmt::format("a pool needs size and stride >= 1 (got {}, {})", size, stride));
  }
  if (size > l.out.height || size > l.out.width) {
    throw std::invalid_argument(
        fmt::format("a {}x{} pool does not fit the {}x{} feature map", size, size, l.out.height, l.out.width));
  }
  l.pool = kind;
  l.pool_size = size;
  l.pool_stride = stride;
  current_ = l.pooled();
}

void TopologyBuilder::flatten() {
  current_ = {current_.size(), 1, 1};
  flat_ = true;
}

Topology TopologyBuilder::finish() const {
  if (t_.layers.empty()) throw std::invalid_argument("a network needs at least one weighted layer");
  if (t_.layers.back().relu) throw std::invalid_argument("a ReLU after the last layer (its outputs are the logits)");
  return t_;
}

}  // namespace xbarsim::arch
