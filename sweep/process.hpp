// Child processes for sweeps: every point runs as its own `xbarsim run` (SystemC elaborates once
// per process), at most N at a time. Children die with the sweep (PR_SET_PDEATHSIG), so a killed
// sweep never leaves a point half-written by an orphan.
#pragma once

#include <signal.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace xbarsim::sweep {

struct Job {
  std::size_t id = 0;             // caller's tag, handed back in Finished
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::filesystem::path log;      // stdout and stderr go here (truncated)
  std::filesystem::path cwd;      // empty: the current directory
};

struct Finished {
  std::size_t id = 0;
  int exit_code = 0;   // the child's exit status, or 128 + signal number when it was killed
  double seconds = 0;  // wall time
};

// Catches SIGINT/SIGTERM for its lifetime (the handler only records the signal; received() returns
// it). Guards nest: only the outermost installs and restores the handlers, so a caller that must
// not lose a signal before run_jobs starts (a sweep writing its folder's markers) holds one
// around the whole run.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  static int received();

 private:
  bool outermost_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Runs `jobs` in order, at most `parallel` at a time, calling `on_done` (in this thread) as each
// one ends. SIGINT/SIGTERM stop it: every running child is killed and reaped, and the function
// returns the signal number; otherwise it returns 0 when every job has ended.
int run_jobs(const std::vector<Job>& jobs, int parallel, const std::function<void(const Finished&)>& on_done);

// Runs one job and waits for it; returns its exit code (127 if it could not be started).
int run_one(const Job& job);

// The path of the running executable (/proc/self/exe).
std::filesystem::path self_exe();

// Every executable `name` on PATH, in PATH order.
std::vector<std::filesystem::path> find_programs(const std::string& name);

}  // namespace xbarsim::sweep
