// Mixed-precision in-situ training of PCM synapses: the weight updates accumulate digitally in
// a high-precision variable chi per weight (SRAM accumulator); when |chi| reaches the device
// granularity eps, SET pulses are applied to G+ (chi > 0) or G- (chi < 0) and the expected
// change they make is subtracted from chi; the pairs are refreshed periodically when both
// devices have grown.
//
// Source: S. R. Nandakumar, M. Le Gallo, C. Piveteau, V. Joshi, G. Mariani, I. Boybat,
// G. Karunaratne, R. Khaddam-Aljameh, U. Egger, A. Petropoulos, T. Antonakopoulos, B. Rajendran,
// A. Sebastian, E. Eleftheriou, "Mixed-precision deep learning based on computational memory",
// Front. Neurosci. 14:406 (2020), arXiv:2001.11773; the SET-step model is PcmDevice's
// (aihwkit's PCMPresetDevice fit). REFERENCES.md section 3; docs/training/mixed_precision.md.
//
// Per weight and mini-batch, in normalized weight units (a weight of 1 is G+ - G- = g_max):
//   chi += -learning_rate_scale x lr x dLoss/dw,  clipped to [-chi_max, chi_max]
//   device d = G+ if chi > 0 else G-, at conductance G;  eps = E[dG of one SET pulse at G] / g_max
//   if |chi| >= eps:  n = round(chi / eps) along the expected trajectory (below), n SET pulses on
//                     d, chi -= sign(chi) x (expected change of the n pulses)
// The expected step shrinks as G grows (PcmDevice::mean_set_step_S), so "n eps" is taken along
// the expected trajectory G_0 = G, G_{j+1} = min(G_j + E[dG](G_j), g_max): pulse j + 1 is added
// while |chi| - sum_{i<j} eps_i >= eps_j / 2 (for a constant step this is n = round(chi / eps)
// and the remainder chi - n eps exactly). Every `refresh_every` mini-batches every pair is
// checked and refreshed (PcmDevice::refresh); chi is kept.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "devices/pcm.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class MixedPrecisionRule final : public UpdateRule {
 public:
  MixedPrecisionRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer) {
    (void)optimizer;  // the optimizer section sets the base learning rate (and the biases')
    pcm_ = dynamic_cast<const devices::PcmDevice*>(spec.device.get());
    if (pcm_ == nullptr || pcm_->devices_per_weight() != 2) {
      p.fail("impl", "mixed_precision needs PCM devices in differential pairs (device: {impl: pcm, devices_per_weight: 2})");
    }
    scale_ = p.real_or("learning_rate_scale", 1.0, 0.0, 1e9);
    chi_max_ = p.real_or("chi_max", 1.0, 1e-6, 1e6);
    max_pulses_ = static_cast<int>(p.integer_or("max_pulses", 100, 1, 65535));
    refresh_every_ = static_cast<int>(p.integer_or("refresh_every", 100, 0, 1000000));
    init_spread_ = p.real_or("init_spread", 1.0, 0.0, 1.0);
    g_max_ = pcm_->g_max();
    unit_ = pcm_->g_max() - pcm_->g_min();
    // The smallest expected step over [0, g_max] (steps shrink as G grows; checked on a grid):
    // |chi| below it never fires, so those weights skip the per-cell work.
    eps_floor_ = 1e300;
    for (int i = 0; i <= 1000; ++i) eps_floor_ = std::min(eps_floor_, pcm_->mean_set_step_S(g_max_ * i / 1000.0) / unit_);
    if (!(eps_floor_ > 0.0)) p.fail("impl", "a PCM SET-step model with a positive expected step at every conductance");
  }

  void initialize(const std::vector<int>& widths, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    w.clear();
    chi_.clear();
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
      Eigen::MatrixXf m(widths[l + 1], widths[l]);
      for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(init_spread_ * (2.0 * rng.uniform() - 1.0));
      w.push_back(m);
      chi_.push_back(Eigen::MatrixXf::Zero(m.rows(), m.cols()));
    }
    batches_done_ = 0;
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    if (batches_.size() != chip.tile_count()) batches_.resize(chip.tile_count());
    const auto step = static_cast<float>(-scale_ * lr);
    const auto cmax = static_cast<float>(chi_max_);
    const auto floor = static_cast<float>(eps_floor_);
    for (std::size_t l = 0; l < chip.layers().size(); ++l) {
      chi_[l] = (chi_[l] + step * grads[l]).cwiseMax(-cmax).cwiseMin(cmax);
      const arch::LayerHardware& lh = chip.layers()[l];
      for (std::size_t k = 0; k < lh.tiles.size(); ++k) {
        const arch::TileSlice& s = lh.mapping.tiles[k];
        const arch::CrossbarArray& array = lh.tiles[k]->array();
        const devices::CellState* cells = array.cells().data();
        arch::CellBatch& b = batches_[chip.tile_index(l, k)];
        b.clear();
        for (int c = 0; c < s.cols; ++c) {
          for (int r = 0; r < s.rows; ++r) {
            float& chi = chi_[l](s.col_begin + c, s.row_begin + r);
            if (std::abs(chi) < floor) continue;
            const std::uint32_t idx = array.cell_index(r, c, chi > 0.0F ? 0 : 1);
            double change = 0.0;
            const int n = pulses_for(std::abs(chi), cells[idx].g, change);
            if (n == 0) continue;
            chi -= static_cast<float>(chi > 0.0F ? change : -change);
            b.index.push_back(idx);
            b.pulses.push_back(static_cast<std::uint16_t>(n));
          }
        }
      }
    }
    arch::ProgramReport report = chip.pulse_cells(batches_, "update");
    ++batches_done_;
    if (refresh_every_ > 0 && batches_done_ % refresh_every_ == 0) {
      const arch::ProgramReport r = chip.refresh_pairs("update");
      report.tally += r.tally;
      report.time_s += r.time_s;
    }
    return report;
  }

  // Pulses for a desired change `a` = |chi| > 0 of a device at conductance g_S (S), and their
  // expected total change in normalized units (`change`). 0 when a < eps(g).
  int pulses_for(double a, double g_S, double& change) const {
    change = 0.0;
    double g = g_S;
    int n = 0;
    while (n < max_pulses_) {
      const double eps = pcm_->mean_set_step_S(g) / unit_;  // granularity at this conductance
      if (n == 0 ? a < eps : a - change < 0.5 * eps) break;
      const double dg = std::min(pcm_->mean_set_step_S(g), g_max_ - g);  // saturates at g_max
      change += dg / unit_;
      g += dg;
      ++n;
    }
    return n;
  }

  int words_per_weight() const override { return 1; }  // chi
  int ops_per_weight() const override { return 2; }    // accumulate; compare (and round when it fires)

  void save(std::ostream& out) const override {
    std::vector<Eigen::VectorXf> v;
    for (const auto& m : chi_) v.emplace_back(Eigen::Map<const Eigen::VectorXf>(m.data(), m.size()));
    save_vectors(out, v);
    out.write(reinterpret_cast<const char*>(&batches_done_), sizeof batches_done_);
  }
  void load(std::istream& in) override {
    std::vector<Eigen::VectorXf> v;
    load_vectors(in, v);
    for (std::size_t l = 0; l < chi_.size(); ++l) {
      chi_[l] = Eigen::Map<const Eigen::MatrixXf>(v[l].data(), chi_[l].rows(), chi_[l].cols());
    }
    in.read(reinterpret_cast<char*>(&batches_done_), sizeof batches_done_);
  }

 private:
  const devices::PcmDevice* pcm_ = nullptr;
  double scale_ = 1.0;
  double chi_max_ = 1.0;
  int max_pulses_ = 100;
  int refresh_every_ = 100;
  double init_spread_ = 1.0;
  double g_max_ = 0.0;
  double unit_ = 0.0;
  double eps_floor_ = 0.0;
  std::int64_t batches_done_ = 0;
  std::vector<Eigen::MatrixXf> chi_;
  std::vector<arch::CellBatch> batches_;
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "mixed_precision", MixedPrecisionRule)

}  // namespace xbarsim::workloads
