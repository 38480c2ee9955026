// The checkpoint of an in-situ training run, written after every epoch (checkpoint.bin in the
// run folder) so that `xbarsim run --resume RUN_DIR` continues to the same report.json as an
// uninterrupted run. Binary, for this build only, in the checkpoint envelope
// (core/checkpoint_file.hpp: checksum and the run's configuration) around the counters, the
// simulated time with the resources' busy cycles, the random streams (as text), the update
// rule's and the bias optimizer's state, the biases, the chip's device state, the ledger's
// counts and the epochs so far (JSON).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "arch/chip.hpp"
#include "core/ledger.hpp"
#include "core/rng.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/training_time.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {

// The run's running totals after an epoch.
struct InsituProgress {
  int epoch = 0;      // the last finished epoch (1-based; 0: none)
  TrainingTime time;  // simulated time so far, initial write included
  std::uint64_t program_events = 0;
  std::uint64_t pulses = 0;
  nlohmann::json epochs = nlohmann::json::array();  // one record per finished epoch
};

// Everything else a checkpoint holds: views of the run's state (restored in place on load).
struct InsituState {
  Rng& shuffle_rng;
  Rng& rule_rng;
  UpdateRule& rule;
  Optimizer& bias_optimizer;
  std::vector<Eigen::VectorXf>& biases;
  arch::Chip& chip;
  Ledger& ledger;
};

// Writes `file` atomically; `config` is the run's resolved configuration.
void save_insitu_checkpoint(const std::filesystem::path& file, const InsituProgress& progress, const InsituState& state,
                            std::string_view config);

// Restores `state` and returns the totals. Throws DataError (one line) for a missing, foreign,
// truncated or damaged file, a configuration that differs from the one the run started with
// (`config`, read from `config_file`), an epoch outside 1..`epochs`, or content that does not
// fit this chip and network.
InsituProgress load_insitu_checkpoint(const std::filesystem::path& file, const InsituState& state,
                                      std::string_view config, const std::filesystem::path& config_file, int epochs);

}  // namespace xbarsim::workloads
