// A run folder owned by one process at a time. The folder itself is locked (flock on its
// directory descriptor, released by the kernel when the process ends, so a lock never goes
// stale); the RUNNING marker says which process holds it (pid, host, start time), and a
// RUNNING marker found with the lock free is a stale one from a run that crashed. While the
// lock is held, SIGINT and SIGTERM leave an INTERRUPTED marker (in place of RUNNING) before the
// process ends with the signal.
#pragma once

#include <filesystem>
#include <string>

namespace xbarsim {

class RunFolderLock {
 public:
  enum class Sharing {
    kExclusive,  // this process alone (a run, an unsharded sweep, a merge)
    kShared,     // with other shared holders only (the shards of one sweep in one folder)
  };
  // Locks `dir` (which must exist); throws UsageError naming the holder (from the folder's
  // RUNNING markers) when another process holds it in a way that excludes this one.
  explicit RunFolderLock(const std::filesystem::path& dir, Sharing sharing = Sharing::kExclusive);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

  // The RUNNING marker's text: "pid P on host H since T\n" and what the folder holds.
  static std::string running_text();

 private:
  int fd_ = -1;
};

// A RUNNING marker that is also a lock: the file `marker` is created, locked exclusively (flock)
// and filled with running_text() while this object lives, then removed. Used by the shards of
// a sweep that share a folder (RUNNING.shard-K-of-N each); a marker found with its lock free is
// a stale one from a process that crashed. Throws UsageError naming the holder when another
// process holds it.
class MarkerLock {
 public:
  explicit MarkerLock(std::filesystem::path marker);
  ~MarkerLock();
  MarkerLock(const MarkerLock&) = delete;
  MarkerLock& operator=(const MarkerLock&) = delete;

 private:
  std::filesystem::path marker_;
  int fd_ = -1;
};

// From now until disarm_interrupt_marker(): SIGINT or SIGTERM removes DIR/RUNNING, writes
// DIR/INTERRUPTED (with the signal and how to continue) and ends the process with the signal.
void arm_interrupt_marker(const std::filesystem::path& dir);
void disarm_interrupt_marker();

}  // namespace xbarsim
