// Runs one experiment into a run folder: build from the configuration (every configuration
// error raised before anything is written), then run and write every report file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/params.hpp"
#include "core/progress.hpp"
#include "workloads/experiment.hpp"

namespace xbarsim::workloads {

struct PreparedExperiment {
  std::string name;
  std::string impl;
  std::int64_t seed = 0;
  std::unique_ptr<Experiment> experiment;
};

// Builds the experiment of `root` (sections experiment, data, network, ...) and checks that
// every key was read. Throws ConfigError.
PreparedExperiment prepare_experiment(const Params& root);

// Runs `prepared` into `out_dir`, which must not exist or be empty. Writes
// config.resolved.yaml first, then report.json, energy.csv, area.csv, wallclock.json (and the
// experiment's own tables). While it runs the folder holds RUNNING; a failed run leaves FAILED
// with the error and no report.json. `log` (nullable) receives the human summary.
struct ExecuteOptions {
  std::filesystem::path trace_file;  // VCD trace (empty: none)
  bool resume = false;               // out_dir holds an interrupted run to continue
  int stop_after_epoch = 0;          // stop after this epoch's checkpoint (0: run to the end)
  std::string banner;                // printed to `log` once every input passed its checks
};

// The file a VCD trace named `trace` is written to (SystemC appends ".vcd"; a name that ends
// in ".vcd" is used as it is).
std::filesystem::path vcd_file_of(const std::filesystem::path& trace);

// Returns an empty string when the run finished, else why it stopped early (--stop-after-epoch):
// the folder then holds INTERRUPTED and a checkpoint, and no report.json.
std::string execute(PreparedExperiment& prepared, const Params& root, const std::filesystem::path& out_dir,
                    Progress& progress, std::FILE* log, const ExecuteOptions& options = {});

}  // namespace xbarsim::workloads
