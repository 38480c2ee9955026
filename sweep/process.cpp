#include "sweep/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <stdexcept>

namespace xbarsim::sweep {
namespace {

volatile sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) { g_signal = sig; }

// Starts `job`; returns the child's pid. Only async-signal-safe calls between fork and exec.
pid_t spawn(const Job& job) {
  std::vector<char*> argv;
  for (const auto& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string log = job.log.string();
  const std::string cwd = job.cwd.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork failed: {}", std::strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    if (!log.empty()) {  // opened before chdir: the log's path is relative to our directory
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) _exit(127);
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    execv(argv[0], argv.data());
    const char msg[] = "xbarsim: cannot execute the child program\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  return pid;
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

int g_guards = 0;  // StopSignals alive (only the outermost installs and restores)

}  // namespace

StopSignals::StopSignals() : outermost_(g_guards++ == 0) {
  if (!outermost_) return;
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals() {
  --g_guards;
  if (!outermost_) return;
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int StopSignals::received() { return g_signal; }

int run_jobs(const std::vector<Job>& jobs, int parallel, const std::function<void(const Finished&)>& on_done) {
  using clock = std::chrono::steady_clock;
  const StopSignals guard;
  std::deque<const Job*> queue;
  for (const auto& j : jobs) queue.push_back(&j);
  struct Running {
    std::size_t id;
    clock::time_point start;
  };
  std::map<pid_t, Running> running;
  const std::size_t limit = static_cast<std::size_t>(std::max(1, parallel));
  // Several runs at once take one core each: their tile operations stay on one thread
  // (core/parallel.hpp) unless the user set OMP_NUM_THREADS. Results do not depend on it.
  if (limit > 1) setenv("OMP_NUM_THREADS", "1", 0);
  auto stop_all = [&running]() {
    for (const auto& [pid, r] : running) kill(pid, SIGTERM);
    for (const auto& [pid, r] : running) {
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    running.clear();
  };
  while (!queue.empty() || !running.empty()) {
    if (g_signal != 0) {
      stop_all();
      return g_signal;
    }
    while (!queue.empty() && running.size() < limit) {
      const Job* j = queue.front();
      queue.pop_front();
      running[spawn(*j)] = {j->id, clock::now()};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("waitpid failed: {}", std::strerror(errno)));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const Finished f{it->second.id, decode(status),
                     std::chrono::duration<double>(clock::now() - it->second.start).count()};
    running.erase(it);
    try {
      on_done(f);
    } catch (...) {
      stop_all();
      throw;
    }
  }
  return g_signal;
}

int run_one(const Job& job) {
  const pid_t pid = spawn(job);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return decode(status);
}

std::filesystem::path self_exe() { return std::filesystem::read_symlink("/proc/self/exe"); }

std::vector<std::filesystem::path> find_programs(const std::string& name) {
  std::vector<std::filesystem::path> found;
  const char* path = std::getenv("PATH");
  if (path == nullptr) return found;
  std::string_view rest = path;
  while (true) {
    const auto colon = rest.find(':');
    const std::filesystem::path dir(std::string(rest.substr(0, colon)));
    if (!dir.empty()) {
      const auto candidate = dir / name;
      if (access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate)) {
        found.push_back(candidate);
      }
    }
    if (colon == std::string_view::npos) break;
    rest = rest.substr(colon + 1);
  }
  return found;
}

}  // namespace xbarsim::sweep
