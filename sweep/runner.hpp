// Runs a sweep: validates every point in this process (no SystemC), then runs each unfinished
// point of this shard as `xbarsim run BASE --set ... --out points/NAME.tmp --quiet` in its own
// process, renames the folder to points/NAME once it holds report.json, and writes sweep.csv
// and the figures. Also merges the folders of shards into one.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/folder.hpp"
#include "sweep/plot.hpp"
#include "sweep/spec.hpp"
#include "sweep/table.hpp"

namespace xbarsim::sweep {

struct SweepOptions {
  std::filesystem::path out;  // the sweep folder (created; reused to resume)
  int jobs = 1;               // points run at the same time
  int shard_k = 1;            // this process runs the points with index % shard_n == shard_k - 1
  int shard_n = 1;
  bool quiet = false;         // no per-point progress lines
  std::filesystem::path exe;  // the xbarsim binary that runs each point
  std::string redo;           // how to finish/redo (for messages), e.g. the command line
};

// What a folder holds after a sweep or merge.
struct Collected {
  Table table;                       // the finished points' rows
  std::size_t total = 0;             // points in the sweep
  std::vector<std::string> missing;  // points without a result in this folder
  PlotReport plots;                  // figures (only when no point is missing)
};

struct SweepOutcome {
  int exit_code = 0;       // 0 ok; 1 some point failed; 128+signal when interrupted
  std::size_t ran = 0;     // points run now
  std::size_t reused = 0;  // points of this shard already finished
  std::size_t failed = 0;
  Collected collected;
  std::shared_ptr<SweepFolder> folder;  // the folder stays locked while the outcome lives
};

// The resolved configuration of every point, in order (what `xbarsim run` writes as
// config.resolved.yaml). Throws ConfigError with one line naming the axis (and value) at fault
// when a point does not build.
std::vector<std::string> validate_points(const SweepSpec& spec, const std::vector<Point>& points);

SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& options);

// Builds sweep.csv (every point finished) or sweep.csv.partial (some missing) from the point
// folders of `dir` listed in `manifest`, and draws the figures when complete.
Collected collect(const std::filesystem::path& dir, const nlohmann::ordered_json& manifest, const std::string& redo);

// Copies the finished points of the sweep folders `dirs` (shards of one sweep) into `out` and
// writes its sweep.csv, identical to the one an unsharded sweep writes. Throws UserError when
// the folders hold different sweeps.
Collected merge(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& out);

// Writes `text` to `file` through a temporary name unique to this process, then renames it:
// safe when several shards write the same file of a shared folder.
void write_atomic(const std::filesystem::path& file, const std::string& text);

}  // namespace xbarsim::sweep
