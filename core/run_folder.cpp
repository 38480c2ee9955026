#include "core/run_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace xbarsim {

namespace {

// The first line of the first RUNNING marker in `dir` (RUNNING, or a shard's RUNNING.shard-*):
// who holds the folder; empty when there is none.
std::string holder_of(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> markers;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with("RUNNING")) markers.push_back(it->path());
  }
  std::sort(markers.begin(), markers.end());
  for (const auto& m : markers) {
    std::ifstream in(m);
    std::string line;
    if (std::getline(in, line) && !line.empty()) return line;
  }
  return {};
}

}  // namespace

RunFolderLock::RunFolderLock(const std::filesystem::path& dir, Sharing sharing) {
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    throw EnvironmentError(fmt::format("{}: cannot open the folder: {}", dir.string(), std::strerror(errno)));
  }
  if (::flock(fd_, (sharing == Sharing::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    const std::string holder = holder_of(dir);
    throw UsageError(fmt::format("{}: in use by another xbarsim{}; wait for it to end, or use another folder",
                                 dir.string(), holder.empty() ? "" : " (" + holder + ")"));
  }
}

RunFolderLock::~RunFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

MarkerLock::MarkerLock(std::filesystem::path marker) : marker_(std::move(marker)) {
  while (true) {
    fd_ = ::open(marker_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw EnvironmentError(fmt::format("{}: cannot create the marker: {}", marker_.string(), std::strerror(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -1;
      std::ifstream in(marker_);
      std::string holder;
      std::getline(in, holder);
      throw UsageError(fmt::format("{}: in use by another xbarsim{}; wait for it to end", marker_.string(),
                                   holder.empty() ? "" : " (" + holder + ")"));
    }
    // The holder before us may have removed the file between our open and our lock: then the
    // lock is on a file no longer in the folder, and we start again.
    struct stat held {};
    struct stat named {};
    if (::fstat(fd_, &held) == 0 && ::stat(marker_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      break;
    }
    ::close(fd_);
  }
  const std::string text = RunFolderLock::running_text();
  if (::ftruncate(fd_, 0) != 0 || ::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw EnvironmentError(fmt::format("{}: cannot write the marker: {}", marker_.string(), std::strerror(err)));
  }
}

MarkerLock::~MarkerLock() {
  if (fd_ < 0) return;
  ::unlink(marker_.c_str());  // while still locked: no other process can take a half-removed marker
  ::close(fd_);
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
