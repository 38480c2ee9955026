#include "arch/weight_access.hpp"

namespace xbarsim::arch {

WeightAccess::WeightAccess(Chip& chip) : chip_(chip), batches_(chip.tile_count()), programs_(chip.tile_count()) {}

void WeightAccess::clear() {
  for (CellBatch& b : batches_) b.clear();
  for (ProgramList& p : programs_) {
    p.index.clear();
    p.target_S.clear();
    p.group.clear();
  }
}

void WeightAccess::pulse(const WeightSite& w, int device, std::uint16_t n) {
  CellBatch& b = batches_[w.tile_];
  b.index.push_back(w.cell_ + static_cast<std::uint32_t>(device) * w.stride_);
  b.pulses.push_back(n);
}

void WeightAccess::depress(const WeightSite& w, int device, std::uint16_t n) {
  CellBatch& b = batches_[w.tile_];
  b.depress_index.push_back(w.cell_ + static_cast<std::uint32_t>(device) * w.stride_);
  b.depress_pulses.push_back(n);
}

void WeightAccess::count_verify_reads(const WeightSite& w, std::uint64_t n) { batches_[w.tile_].verify_reads += n; }

void WeightAccess::program(const WeightSite& w, int device, float target_S, std::uint16_t group) {
  ProgramList& p = programs_[w.tile_];
  p.index.push_back(w.cell_ + static_cast<std::uint32_t>(device) * w.stride_);
  p.target_S.push_back(target_S);
  p.group.push_back(group);
}

ProgramReport WeightAccess::issue_pulses(Phase phase) {
  const ProgramReport report = chip_.pulse_cells(batches_, phase);
  for (CellBatch& b : batches_) b.clear();
  return report;
}

ProgramReport WeightAccess::issue_programs(std::span<const devices::ProgramOptions> group_options, Phase phase) {
  const std::size_t groups = group_options.size();
  for (std::size_t t = 0; t < programs_.size(); ++t) {
    // Counting sort of the tile's requests by group (stable: request order within a group).
    ProgramList& p = programs_[t];
    CellBatch& b = batches_[t];
    b.clear();
    if (p.index.empty()) continue;
    counts_.assign(groups + 1, 0U);
    for (const std::uint16_t g : p.group) ++counts_[g + 1U];
    for (std::size_t g = 1; g < counts_.size(); ++g) counts_[g] += counts_[g - 1];
    const std::size_t n = p.index.size();
    b.index.resize(n);
    b.target_S.resize(n);
    fill_ = counts_;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t at = fill_[p.group[i]]++;
      b.index[at] = p.index[i];
      b.target_S[at] = p.target_S[i];
    }
    for (std::size_t g = 0; g < groups; ++g) {
      if (counts_[g + 1] > counts_[g]) b.groups.push_back({group_options[g], counts_[g], counts_[g + 1]});
    }
    p.index.clear();
    p.target_S.clear();
    p.group.clear();
  }
  const ProgramReport report = chip_.program_cells(batches_, phase);
  for (CellBatch& b : batches_) b.clear();
  return report;
}

ProgramReport WeightAccess::refresh_pairs(Phase phase) { return chip_.refresh_pairs(phase); }

void WeightAccess::effective_conductances(std::size_t layer, Eigen::MatrixXf& out) const {
  const LayerHardware& lh = chip_.layers()[layer];
  out.resize(lh.mapping.outputs, lh.mapping.inputs);
  for (std::size_t k = 0; k < lh.tiles.size(); ++k) {
    const TileSlice& s = lh.mapping.tiles[k];
    layer_block(out, s) = lh.tiles[k]->array().effective().block(0, 0, s.rows, s.cols).transpose();
  }
}

}  // namespace xbarsim::arch
