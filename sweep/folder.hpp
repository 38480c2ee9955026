// The folder of a sweep, a comparison or a merge while one process works in it. Made when
// missing, then locked: exclusively by an unsharded sweep, a comparison or a merge; shared by
// the shards of one sweep (they may share a folder on a shared file system), each shard holding
// its own marker. While held it carries a RUNNING marker (RUNNING.shard-K-of-N for a shard) with
// the pid and host; an interrupted sweep leaves INTERRUPTED (INTERRUPTED.shard-K-of-N). A folder
// that holds anything but the same sweep (another sweep, a run's results, other files) is
// refused with one line before anything in it changes.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/run_folder.hpp"

namespace xbarsim::sweep {

class SweepFolder {
 public:
  // `manifest` is the sweep.json this process will write (manifest() of sweep/spec.hpp); shard
  // K of N (1/1: unsharded). Throws UsageError (in use, or holds something else).
  SweepFolder(const std::filesystem::path& out, const nlohmann::ordered_json& manifest, int shard_k = 1,
              int shard_n = 1);
  // Leaves INTERRUPTED (with the signal) beside the markers' removal.
  void interrupted(int signal);

 private:
  std::filesystem::path out_;
  std::string suffix_;  // "" or ".shard-K-of-N"
  std::optional<RunFolderLock> lock_;
  std::optional<MarkerLock> marker_;
};

// Holds an exclusive lock on `dir` (flock, waiting for it) while it lives: the shards of a sweep
// that share a folder write sweep.csv one after another, so the last to finish sees every point.
class CollectLock {
 public:
  explicit CollectLock(const std::filesystem::path& dir);
  ~CollectLock();
  CollectLock(const CollectLock&) = delete;
  CollectLock& operator=(const CollectLock&) = delete;

 private:
  int fd_ = -1;
};

// Whether two sweep.json manifests describe the same sweep: kind, name, mode, common keys, axes
// and points (the sweep file's own path may differ: a moved checkout, a copy on another node).
bool same_sweep(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b);

}  // namespace xbarsim::sweep
