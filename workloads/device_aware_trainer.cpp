// Device-aware (quantization- and noise-aware) fp32 training for ex-situ mapping; sources and
// equations in the header and docs/training/exsitu.md.
#include "workloads/device_aware_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "arch/crossbar_array.hpp"
#include "arch/weight_encoding.hpp"

namespace xbarsim::workloads {

// ---------------------------------------------------------------- RepresentableWeights

RepresentableWeights::RepresentableWeights(const devices::Device& device, arch::WeightEncoding encoding)
    : RepresentableWeights(arch::WeightEncoder(device, encoding).level_weights()) {}

RepresentableWeights::RepresentableWeights(std::vector<float> values) : values_(std::move(values)) {
  if (!std::is_sorted(values_.begin(), values_.end())) throw std::invalid_argument("levels must be ascending");
  for (std::size_t k = 0; k + 1 < values_.size(); ++k) mid_.push_back(0.5F * (values_[k] + values_[k + 1]));
}

float RepresentableWeights::quantize(float x) const {
  if (continuous()) return std::clamp(x, -1.0F, 1.0F);
  return values_[nearest(x)];
}

// ---------------------------------------------------------------- ProgrammingNoise

ProgrammingNoise::ProgrammingNoise(const devices::Device& device, arch::WeightEncoding encoding,
                                   const RepresentableWeights& levels, const devices::ProgramOptions& opts,
                                   Rng& rng) {
  // One scratch array, one weight column per level, kSamplesPerLevel rows: the very mapping,
  // programming and read-back path of the chip (fresh cells, one programming pass).
  const std::vector<float> nominal = levels.continuous() ? std::vector<float>{-1.0F, -0.5F, 0.0F, 0.5F, 1.0F}
                                                          : levels.values();
  const auto cols = static_cast<int>(nominal.size());
  const auto rows = static_cast<int>(kSamplesPerLevel);
  arch::CrossbarArray scratch(rows, cols, encoding, device, rng);
  Eigen::MatrixXf w(rows, cols);
  for (int k = 0; k < cols; ++k) w.col(k).setConstant(nominal[static_cast<std::size_t>(k)]);
  tally_ = scratch.program(w, opts, false, rng);
  const Eigen::MatrixXf held = scratch.held_weights();
  table_.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (int k = 0; k < cols; ++k) {
    for (int i = 0; i < rows; ++i) {
      table_[static_cast<std::size_t>(k) * kSamplesPerLevel + static_cast<std::size_t>(i)] =
          held(i, k) - nominal[static_cast<std::size_t>(k)];
    }
  }
}

// ---------------------------------------------------------------- scale

double least_squares_scale(const float* w, std::size_t n, const RepresentableWeights& levels, double alpha0,
                           int iterations) {
  double alpha = alpha0;
  if (levels.continuous()) {
    // Any w in [-1, 1] is held: the least-squares scale is max |W| (zero error).
    float m = 0.0F;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(w[i]));
    return m > 0.0F ? m : alpha0;
  }
  for (int it = 0; it < iterations; ++it) {
    const auto inv = static_cast<float>(1.0 / alpha);
    double wq = 0.0;
    double qq = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const float q = levels.quantize(w[i] * inv);
      wq += static_cast<double>(w[i]) * q;
      qq += static_cast<double>(q) * q;
    }
    if (qq <= 0.0 || wq <= 0.0) break;  // everything on the zero level: keep alpha
    alpha = wq / qq;
  }
  return alpha;
}

// ---------------------------------------------------------------- DeviceAwareTrainer

namespace {

// Lloyd iterations of the first scale, from max |W| (later steps: device_aware.scale_iterations,
// warm-started from the previous step's scale).
constexpr int kScaleIterationsInit = 50;

ScaleRule parse_rule(const std::string& s) { return s == "max_abs" ? ScaleRule::kMaxAbs : ScaleRule::kLeastSquares; }

}  // namespace

bool DeviceAwareTrainer::enabled(const Params& training) {
  if (!training.has("device_aware")) return false;
  const Params p = training.child("device_aware");
  // Read every key so that a disabled section is checked as strictly as an enabled one.
  (void)p.real_or("noise_scale", 1.0, 0.0, 100.0);
  (void)p.choice_or("scale", {"least_squares", "max_abs"}, "least_squares");
  (void)p.integer_or("scale_iterations", 2, 1, 100);
  return p.boolean_or("enabled", true);
}

DeviceAwareTrainer::DeviceAwareTrainer(const Params& training, const devices::Device& device,
                                       arch::WeightEncoding encoding, const devices::ProgramOptions& opts)
    : epochs_(static_cast<int>(training.integer("epochs", 1, 1000))),
      batch_size_(static_cast<int>(training.integer("batch_size", 1, 60000))),
      lr_decay_(training.real_or("learning_rate_decay", 1.0, 0.0, 1.0)),
      optimizer_(OptimizerRegistry::instance().create(training.child("optimizer"))),
      noise_scale_(training.child_or_empty("device_aware").real_or("noise_scale", 1.0, 0.0, 100.0)),
      scale_rule_(parse_rule(
          training.child_or_empty("device_aware").choice_or("scale", {"least_squares", "max_abs"}, "least_squares"))),
      scale_iterations_(static_cast<int>(training.child_or_empty("device_aware").integer_or("scale_iterations", 2, 1, 100))),
      device_(device),
      encoding_(encoding),
      opts_(opts),
      levels_(device, encoding) {}

void DeviceAwareTrainer::build_noise(std::uint64_t seed) {
  Rng table_rng(seed, 0x5eed7ab1eULL);
  noise_ = std::make_unique<ProgrammingNoise>(device_, encoding_, levels_, opts_, table_rng);
}

void DeviceAwareTrainer::set_latent(const Mlp& net) {
  latent_ = net.weights();
  alpha_.assign(latent_.size(), 0.0);
}

void DeviceAwareTrainer::update_scales(int iterations) {
  for (std::size_t l = 0; l < latent_.size(); ++l) {
    const Mlp::Matrix& w = latent_[l];
    double max_abs = w.cwiseAbs().maxCoeff();
    if (!(max_abs > 0.0)) max_abs = 1.0;  // an all-zero layer: any scale holds it
    if (scale_rule_ == ScaleRule::kMaxAbs) {
      alpha_[l] = max_abs;
      continue;
    }
    const double start = alpha_[l] > 0.0 ? alpha_[l] : max_abs;
    double alpha = least_squares_scale(w.data(), static_cast<std::size_t>(w.size()), levels_, start, iterations);
    // Constraint: the largest |W| must land on an end level (+-1), else max |W_q| < alpha and
    // Chip::program, which divides by max |W_q|, would stretch the levels. The end levels are
    // reached beyond the outermost decision thresholds m_- < 0 < m_+.
    if (!levels_.continuous() && levels_.size() > 1) {
      Eigen::Index at = 0;
      Eigen::Map<const Eigen::VectorXf>(w.data(), w.size()).cwiseAbs().maxCoeff(&at);
      const double w_star = w.data()[at];
      const auto& v = levels_.values();
      const double m = w_star > 0 ? 0.5 * (v[v.size() - 2] + v.back()) : -0.5 * (v.front() + v[1]);
      if (m > 0.0) alpha = std::min(alpha, std::abs(w_star) / m * (1.0 - 1e-6));
    }
    alpha_[l] = alpha;
  }
}

void DeviceAwareTrainer::write_forward(Mlp& net, Rng* noise_rng) const {
  const bool noisy = noise_rng != nullptr && noise_scale_ > 0.0 && noise_ != nullptr;
  const auto s = static_cast<float>(noise_scale_);
  for (std::size_t l = 0; l < latent_.size(); ++l) {
    const Mlp::Matrix& w = latent_[l];
    Mlp::Matrix& out = net.weights()[l];
    const auto alpha = static_cast<float>(alpha_[l]);
    const float inv = 1.0F / alpha;
    const auto n = static_cast<std::size_t>(w.size());
    const float* src = w.data();
    float* dst = out.data();
    auto* eng = noisy ? &noise_rng->engine() : nullptr;
    std::uint64_t bits = 0;
    const auto& v = levels_.values();
    for (std::size_t i = 0; i < n; ++i) {
      float q = 0.0F;
      std::size_t k = 0;
      if (levels_.continuous()) {
        q = std::clamp(src[i] * inv, -1.0F, 1.0F);
        // Analog devices: the noise of the nearest tabulated reference level.
        k = static_cast<std::size_t>(std::lround((q + 1.0F) * 2.0F));
      } else {
        k = levels_.nearest(src[i] * inv);
        q = v[k];
      }
      if (noisy) {
        // Four 16-bit table indices per 64-bit draw of the stream.
        if ((i & 3U) == 0) bits = (*eng)();
        q += s * noise_->sample(k, static_cast<std::uint16_t>(bits >> (16U * (i & 3U))));
      }
      dst[i] = q;
    }
    for (std::size_t i = 0; i < n; ++i) dst[i] *= alpha;
  }
}

void DeviceAwareTrainer::write_quantized(Mlp& net) const {
  write_forward(net, nullptr);
  for (std::size_t l = 0; l < latent_.size(); ++l) {
    const Mlp::Matrix& w = net.weights()[l];
    const double alpha = alpha_[l];
    const double max_abs = w.cwiseAbs().maxCoeff();
    // Chip::program divides each layer by max |W|: the levels survive only if that is alpha.
    if (std::abs(max_abs - alpha) > 1e-6 * alpha) {
      throw std::logic_error(fmt::format(
          "device-aware layer {}: max |W| = {:g} differs from the scale alpha = {:g} (no weight on the "
          "top level), so Chip::program would rescale the levels",
          l, max_abs, alpha));
    }
    if (!levels_.continuous()) {
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        const float x = static_cast<float>(w.data()[i] / alpha);
        if (std::abs(levels_.quantize(x) - x) > 1e-5F) {
          throw std::logic_error(fmt::format("device-aware layer {}: weight {} / alpha = {:g} is not a level", l, i, x));
        }
      }
    }
  }
}

void DeviceAwareTrainer::train(Mlp& net, const Dataset& train, const Dataset& test, std::uint64_t seed, Rng& rng,
                               RunContext& ctx, const std::function<void(const EpochResult&)>& on_epoch) {
  Rng noise_rng(seed, 0x0015eULL);
  if (noise_scale_ > 0.0) build_noise(seed);
  set_latent(net);
  update_scales(kScaleIterationsInit);

  std::vector<ParamRef> refs;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    auto& w = latent_[l];
    auto& b = net.biases()[l];
    refs.push_back({Eigen::Map<Eigen::VectorXf>(w.data(), w.size()),
                    Eigen::Map<const Eigen::VectorXf>(net.weight_grads()[l].data(), w.size())});
    refs.push_back({Eigen::Map<Eigen::VectorXf>(b.data(), b.size()),
                    Eigen::Map<const Eigen::VectorXf>(net.bias_grads()[l].data(), b.size())});
  }
  std::vector<std::size_t> order(train.count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  Mlp::Matrix batch(static_cast<Eigen::Index>(train.features), batch_size_);
  std::vector<std::uint8_t> labels(static_cast<std::size_t>(batch_size_));
  std::vector<int> predicted;
  double lr = optimizer_->learning_rate();

  for (int epoch = 1; epoch <= epochs_; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
    double loss_sum = 0.0;
    std::size_t correct = 0;
    ctx.progress->start(fmt::format("device-aware epoch {}/{}", epoch, epochs_), train.count);
    for (std::size_t start = 0; start < train.count; start += static_cast<std::size_t>(batch_size_)) {
      const auto n = static_cast<Eigen::Index>(
          std::min<std::size_t>(static_cast<std::size_t>(batch_size_), train.count - start));
      gather_batch(train, order, start, n, batch, labels);
      update_scales(scale_iterations_);
      write_forward(net, &noise_rng);
      Mlp::argmax(net.forward(batch), predicted);
      for (Eigen::Index j = 0; j < n; ++j) {
        correct += predicted[static_cast<std::size_t>(j)] == labels[static_cast<std::size_t>(j)];
      }
      loss_sum += static_cast<double>(net.backward(labels)) * static_cast<double>(n);
      // Straight-through estimator: the gradient with respect to the forward weights updates
      // the latent weights unchanged.
      optimizer_->step(refs, static_cast<float>(lr));
      ctx.progress->update(start + static_cast<std::size_t>(n));
    }
    ctx.progress->finish();
    update_scales(scale_iterations_);
    write_forward(net, nullptr);
    EpochResult r;
    r.epoch = epoch;
    r.learning_rate = lr;
    r.train_loss = loss_sum / static_cast<double>(train.count);
    r.train_accuracy_pct = 100.0 * static_cast<double>(correct) / static_cast<double>(train.count);
    r.test_accuracy_pct = evaluate_accuracy(net, test);
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    on_epoch(r);
    lr *= lr_decay_;
  }
  // The float network of the latent weights, for comparison; then the weights to program.
  net.weights() = latent_;
  latent_accuracy_ = evaluate_accuracy(net, test);
  write_quantized(net);
}

}  // namespace xbarsim::workloads
