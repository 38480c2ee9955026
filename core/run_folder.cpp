#include "core/run_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

#include "core/error.hpp"

namespace xbarsim {

RunFolderLock::RunFolderLock(const std::filesystem::path& dir) {
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    throw EnvironmentError(fmt::format("{}: cannot open the run folder: {}", dir.string(), std::strerror(errno)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    std::ifstream marker(dir / "RUNNING");
    std::string holder(std::istreambuf_iterator<char>(marker), {});
    if (const auto nl = holder.find('\n'); nl != std::string::npos) holder.resize(nl);
    throw UsageError(fmt::format("{}: in use by another xbarsim{}; wait for it to end, or use another folder",
                                 dir.string(), holder.empty() ? "" : " (" + holder + ")"));
  }
}

RunFolderLock::~RunFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::string RunFolderLock::running_text() {
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char when[32] = "";
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  return fmt::format("pid {} on host {} since {}\nthis run has not finished; its results are incomplete\n", ::getpid(),
                     host, when);
}

namespace {

// Paths and text prepared before any signal, so that the handler only makes system calls
// that are safe in a signal handler (unlink, open, write, close, signal, raise).
std::string g_running;
std::string g_interrupted;
std::string g_message;

extern "C" void on_interrupt(int sig) {
  ::unlink(g_running.c_str());
  const int fd = ::open(g_interrupted.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    const char* name = sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM";
    [[maybe_unused]] ssize_t n = ::write(fd, name, std::strlen(name));
    n = ::write(fd, g_message.data(), g_message.size());
    ::close(fd);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

void arm_interrupt_marker(const std::filesystem::path& dir) {
  g_running = (dir / "RUNNING").string();
  g_interrupted = (dir / "INTERRUPTED").string();
  g_message = fmt::format(
      "; its results are incomplete (a training run continues from its last checkpoint with xbarsim run --resume "
      "{})\n",
      dir.string());
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

void disarm_interrupt_marker() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace xbarsim
