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
  // Locks `dir` (which must exist); throws UsageError naming the holder when another process
  // holds it.
  explicit RunFolderLock(const std::filesystem::path& dir);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

  // The RUNNING marker's text: "pid P on host H since T\n" and what the folder holds.
  static std::string running_text();

 private:
  int fd_ = -1;
};

// From now until disarm_interrupt_marker(): SIGINT or SIGTERM removes DIR/RUNNING, writes
// DIR/INTERRUPTED (with the signal and how to continue) and ends the process with the signal.
void arm_interrupt_marker(const std::filesystem::path& dir);
void disarm_interrupt_marker();

}  // namespace xbarsim
