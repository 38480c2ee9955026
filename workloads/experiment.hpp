// An experiment is one kind of run (fp32 training, tiled inference, in-situ training...),
// selected by `experiment.impl` and built entirely from the configuration before it runs.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/ledger.hpp"
#include "core/params.hpp"
#include "core/progress.hpp"
#include "core/registry.hpp"
#include "workloads/specs.hpp"

namespace xbarsim::workloads {

// What a running experiment writes to.
struct RunContext {
  std::filesystem::path out_dir;     // the run folder (exists, empty)
  Progress* progress = nullptr;      // per-phase progress (never null)
  std::FILE* log = nullptr;          // human summary lines (stdout), or nullptr when quiet
  Ledger ledger;                     // action counts, energy and area tables of the run
  nlohmann::json wallclock;          // wall-clock figures: kept out of report.json by design
  std::filesystem::path trace_file;  // VCD trace of the SystemC model (empty: none)
  bool resume = false;               // continue from out_dir/checkpoint.bin
  std::string resolved_config;       // the run's resolved configuration (checkpoints hold it)
  nlohmann::json data;               // what report.json records of the data read (DataSpec::record)
  // On resume, called once the checkpoint has loaded and passed its checks: only then are the
  // folder's markers changed (a refused checkpoint leaves the folder as it was).
  std::function<void()> confirm_resume;
  int stop_after_epoch = 0;  // > 0: stop after this epoch's checkpoint
  // Set by an experiment that stopped as asked (stop_after_epoch) instead of finishing: what to
  // tell the user. A normal return, not an exception: stopping is not an error.
  std::string interrupted;
};

class Experiment {
 public:
  virtual ~Experiment() = default;
  // Runs to completion, writes its tables (epochs.csv...) into ctx.out_dir and returns the
  // deterministic part of report.json (the same seed gives the same JSON, byte for byte).
  virtual nlohmann::json run(RunContext& ctx) = 0;
  // Checks what it will read (data files' headers, a weights file) before the run folder is
  // made: a mismatch is one line and nothing is written.
  virtual void check_inputs() const {}
  // The run's epochs when it checkpoints after each (it can stop and resume), else 0.
  virtual int checkpointed_epochs() const { return 0; }
  // Whether it simulates the SystemC chip (which --trace records).
  virtual bool has_systemc_model() const { return false; }
};

// Factories take (experiment section, its spec, document root); run.cpp reads the spec.
using ExperimentRegistry = Registry<Experiment, const ExperimentSpec&, const Params&>;

}  // namespace xbarsim::workloads
