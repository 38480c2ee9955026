// Device-aware fp32 training for ex-situ mapping: quantization-aware training with a
// straight-through estimator onto the weights the device can hold under the array's encoding,
// a per-layer scale, and programming noise drawn from the device model itself injected into every
// forward pass. The trained network is handed to Chip::program for one write-verify pass.
//
// Sources: Al Misba et al., arXiv:2111.07284 (ex-situ DW training with the device model);
// Hubara et al., "Quantized Neural Networks", JMLR 18 (2018) (latent
// weights, straight-through estimator); Li and Liu, "Ternary Weight Networks", arXiv:1605.04711
// and Rastegari et al., XNOR-Net, ECCV 2016 (the least-squares per-layer scale); Joshi et al.,
// Nature Communications 11, 2473 (2020) (noise-injection training). Equations:
// docs/training/exsitu.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "arch/mapping.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"
#include "devices/device.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/fp32_trainer.hpp"
#include "workloads/network.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/specs.hpp"

namespace xbarsim::workloads {

// The normalized weights w in [-1, 1] a device can hold under an encoding, derived exactly as
// arch::CrossbarArray maps them (docs/arch/tile.md):
//   offset        G = G_ref + w dG / 2      ->  w_k = (G_k - G_ref) / (dG / 2),  k = 0..N-1
//   differential  G+ = G_min + max(w,0) dG, G- = G_min + max(-w,0) dG (one device of the pair
//                 always at G_min)          ->  w = +-(G_k - G_min) / dG
// with G_k the device's level conductances, G_ref = (G_min + G_max) / 2, dG = G_max - G_min.
// An analog device (levels() == 0) holds any w in [-1, 1].
class RepresentableWeights {
 public:
  RepresentableWeights(const devices::Device& device, arch::WeightEncoding encoding);
  // Directly from a sorted list of values in [-1, 1] (empty: continuous).
  explicit RepresentableWeights(std::vector<float> values);

  bool continuous() const { return values_.empty(); }
  // The levels, ascending (empty for an analog device).
  const std::vector<float>& values() const { return values_; }
  std::size_t size() const { return values_.size(); }
  // Index of the level nearest to x (ties to the lower level; x beyond the ends clips).
  // Precondition: !continuous().
  std::size_t nearest(float x) const {
    std::size_t k = 0;
    for (const float m : mid_) k += static_cast<std::size_t>(x > m);
    return k;
  }
  // The straight-through quantizer's forward value: the nearest level (clip to [-1, 1] when
  // continuous).
  float quantize(float x) const;

 private:
  std::vector<float> values_;
  std::vector<float> mid_;  // midpoints between neighbouring levels (decision thresholds)
};

// Programming noise of the device, tabulated once: for every representable level, the achieved
// normalized weight minus the nominal one over `samples` programming events of fresh scratch cells
// with Device::program (the options of the chip's programming pass, write-verify included), read
// back with Device::conductance and mapped through the encoding as CrossbarArray does.
class ProgrammingNoise {
 public:
  // 2^16 samples per level: the table's own standard deviation is then within
  // 1 / sqrt(2 x 65536) = 0.28 % (one sigma) of the model's.
  static constexpr std::size_t kSamplesPerLevel = std::size_t{1} << 16;

  ProgrammingNoise(const devices::Device& device, arch::WeightEncoding encoding, const RepresentableWeights& levels,
                   const devices::ProgramOptions& opts, Rng& rng);

  // One noise draw (normalized weight units) for level k, picked uniformly from the table with
  // the 16-bit index `u`.
  float sample(std::size_t k, std::uint16_t u) const { return table_[k * kSamplesPerLevel + u]; }
  // The tabulated samples of level k (kSamplesPerLevel values).
  const float* level_samples(std::size_t k) const { return table_.data() + k * kSamplesPerLevel; }
  // Programming cost of tabulating (for information only: never charged to the chip).
  const devices::ProgramTally& tally() const { return tally_; }

 private:
  std::vector<float> table_;
  devices::ProgramTally tally_;
};

// Least-squares scale of `w` onto `levels`: alternates q = Q(w / alpha) and
// alpha = <w, q> / <q, q>, `iterations` times from `alpha0`. Returns alpha > 0 (alpha0 when the
// weights are all zero).
double least_squares_scale(const float* w, std::size_t n, const RepresentableWeights& levels, double alpha0,
                           int iterations);

// Trains an MLP device-aware: latent fp32 weights W_l, per-layer scale alpha_l, forward pass on
//   W_fwd = alpha_l (Q(W_l / alpha_l) + s eps),   eps ~ the device's programming noise per level,
// backward with the straight-through estimator dL/dW_l = dL/dW_fwd. The epochs run in the shared
// TrainingLoop, as the fp32 trainer's.
class DeviceAwareTrainer {
 public:
  // `training`: epochs, batch_size, learning_rate_decay, optimizer; `device_aware`: noise scale
  // and scale rule. `device` must outlive the trainer. `opts` are the chip's programming options
  // (the noise table is drawn with them).
  DeviceAwareTrainer(const TrainingSpec& training, const DeviceAwareSpec& device_aware, const devices::Device& device,
                     arch::WeightEncoding encoding, const devices::ProgramOptions& opts);

  // Trains `net` (initialized: its weights become the latent weights) with noise from `seed`
  // and shuffling from `rng`; calls `on_epoch` after each epoch with the test accuracy of the
  // quantized, noise-free network. On return net.weights() hold alpha_l x (a level) and
  // max |W_l| = alpha_l (checked), ready for Chip::program.
  void train(Network& net, const Dataset& train, const Dataset& test, std::uint64_t seed, Rng& rng, RunContext& ctx,
             const std::function<void(const EpochResult&)>& on_epoch);

  // Writes alpha_l Q(latent_l / alpha_l) into net.weights() and checks the invariant
  // max |W_l| = alpha_l with every W_l / alpha_l a level (throws std::logic_error naming the
  // layer otherwise).
  void write_quantized(Network& net) const;

  int epochs() const { return training_.epochs; }
  double noise_scale() const { return device_aware_.noise_scale; }
  ScaleRule scale_rule() const { return device_aware_.scale_rule; }
  // Lloyd steps of the least-squares scale per mini-batch.
  int scale_iterations() const { return device_aware_.scale_iterations; }
  const RepresentableWeights& levels() const { return levels_; }
  const std::vector<double>& scales() const { return alpha_; }
  // The latent fp32 weights (after train(): as left by the last step).
  const std::vector<Network::Matrix>& latent() const { return latent_; }
  // Accuracy (%) on the test set of the latent weights used unquantized, after train().
  double latent_accuracy_pct() const { return latent_accuracy_; }

  // Sets alpha_l for every layer from the latent weights by the scale rule (`iterations` Lloyd
  // steps for the least-squares rule, from the previous alpha when there is one).
  void update_scales(int iterations);
  // Fills net.weights() with the forward weights alpha (Q(W / alpha) + s eps), fresh noise from
  // `noise_rng` (no noise when s = 0 or `noise_rng` is null).
  void write_forward(Network& net, Rng* noise_rng) const;
  // Tabulates the device's programming noise with the stream (seed, fixed stream id); train()
  // does this first when noise_scale > 0.
  void build_noise(std::uint64_t seed);
  // Makes the trainer's latent weights a copy of net.weights() (train() does this first).
  void set_latent(const Network& net);

 private:
  TrainingSpec training_;
  DeviceAwareSpec device_aware_;
  std::unique_ptr<Optimizer> optimizer_;
  const devices::Device& device_;
  arch::WeightEncoding encoding_;
  devices::ProgramOptions opts_;
  RepresentableWeights levels_;
  std::unique_ptr<ProgrammingNoise> noise_;  // built on first use (train)
  std::vector<Network::Matrix> latent_;
  std::vector<double> alpha_;
  double latent_accuracy_ = 0.0;
};

}  // namespace xbarsim::workloads
