// The shape of a feed-forward network as the chip sees it: a chain of weighted layers (fully
// connected or 2-D convolution), each followed by the digital operations the layer's unit does
// on its outputs (ReLU, max or average pooling). Pure arithmetic, no state.
//
// Feature maps travel between layers channel-major (CHW, as PyTorch and ONNX flatten them), one
// column per image. A convolution is held by the crossbars as its unrolled kernel, a weight
// matrix of out_channels x (in_channels x kernel x kernel), inputs ordered (channel, kernel row,
// kernel column) like PyTorch's weight.reshape(out, -1); every output position (window) is one
// input vector (Chi et al., PRIME, ISCA 2016; Shafiee et al., ISAAC, ISCA 2016).
#pragma once

#include <string>
#include <vector>

namespace xbarsim::arch {

// channels x height x width; a vector of n features is n x 1 x 1.
struct FeatureShape {
  int channels = 1;
  int height = 1;
  int width = 1;
  int size() const { return channels * height * width; }
  bool operator==(const FeatureShape&) const = default;
};

enum class PoolKind { kNone, kMax, kAverage };

// One weighted layer and what follows it: z = W x + b (per window), then ReLU when `relu`, then
// the pool (windows of size x size every `stride`, no padding). Max pooling commutes with ReLU,
// so a pool written before the ReLU is the same layer.
struct LayerShape {
  enum class Kind { kDense, kConv };
  Kind kind = Kind::kDense;
  FeatureShape in;   // the layer's input
  FeatureShape out;  // the weights' output (conv: out_channels x out_h x out_w)
  int kernel = 1;    // conv only
  int stride = 1;
  int padding = 0;
  bool relu = false;
  PoolKind pool = PoolKind::kNone;
  int pool_size = 1;
  int pool_stride = 1;

  bool is_conv() const { return kind == Kind::kConv; }
  // Rows of the weight matrix (what the crossbar's rows hold): in.channels x kernel^2 (conv) or
  // in.size() (dense).
  int weight_inputs() const { return is_conv() ? in.channels * kernel * kernel : in.size(); }
  // Columns of the weight matrix: out.channels (conv) or out.size() (dense).
  int weight_outputs() const { return is_conv() ? out.channels : out.size(); }
  // Input vectors per image: out_h x out_w windows (conv), 1 (dense).
  int windows() const { return is_conv() ? out.height * out.width : 1; }
  // What the layer hands on: `out` pooled.
  FeatureShape pooled() const;
  // Multiply-accumulates per image: weight_inputs x weight_outputs x windows.
  double macs() const { return double(weight_inputs()) * weight_outputs() * windows(); }
  // Digital operations of the pool per image: (pool_size^2 - 1) compares (max) or adds plus one
  // scaling (average) per pooled output; 0 without a pool.
  long long pool_ops() const;
  // Words read from the activation buffer per image (docs/arch/conv.md): dense, every input
  // once; conv, the windows of each output row visited left to right, the first read whole and
  // each next one only its columns not already held by the tile's input register (the overlap
  // of stride < kernel is reused), padding never read (the DAC drives 0).
  long long buffer_reads() const;
  // The same without reuse: every in-bounds value of every window.
  long long buffer_reads_without_reuse() const;
  // "conv 6x1x5x5 s1 p2 relu maxpool2" / "dense 784->256 relu": for logs and reports.
  std::string describe() const;
};

// The network: its input and its weighted layers in order.
struct Topology {
  // Declared so that Topology is no aggregate: a braced list of widths means Topology::mlp.
  Topology() = default;
  FeatureShape input;
  std::vector<LayerShape> layers;

  // Fully connected layers of `widths` = {inputs, hidden..., classes}, ReLU after all but the
  // last (the MLPs of the original configurations). Throws std::invalid_argument on fewer than
  // two widths or a width < 1.
  static Topology mlp(const std::vector<int>& widths);
  int features() const { return input.size(); }
  int classes() const { return layers.empty() ? 0 : layers.back().pooled().size(); }
  bool has_conv() const;
  // {inputs, outputs...} for a network of dense layers only (what `network.layers` lists);
  // empty when a layer is a convolution.
  std::vector<int> widths() const;
  double macs() const;
  std::vector<std::string> describe() const;
};

// Builds a Topology from a sequence of operations, checking each against the shape it receives;
// a misfit throws std::invalid_argument with one sentence saying what is wrong (the caller adds
// where: the configuration key or the ONNX node).
class TopologyBuilder {
 public:
  explicit TopologyBuilder(FeatureShape input);
  void conv(int out_channels, int kernel, int stride, int padding);
  void dense(int outputs);
  void relu();
  void pool(PoolKind kind, int size, int stride);
  // A no-op on the CHW layout; after it only dense layers may follow.
  void flatten();
  // The finished network; throws when it has no weighted layer, or a ReLU follows the last one
  // (its outputs are the logits).
  Topology finish() const;
  const FeatureShape& current() const { return current_; }

 private:
  Topology t_;
  FeatureShape current_;
  bool flat_ = false;
};

}  // namespace xbarsim::arch
