#include "sweep/folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/report.hpp"
#include "sweep/table.hpp"

namespace fs = std::filesystem;

namespace xbarsim::sweep {
namespace {

// What a folder may hold besides sweep.json when it holds no sweep yet: what a start that was
// interrupted before writing sweep.json leaves (markers, an empty points/).
bool left_by_a_start(const fs::directory_entry& e) {
  const std::string name = e.path().filename().string();
  if (name.starts_with("RUNNING") || name.starts_with("INTERRUPTED")) return true;
  return name == "points" && e.is_directory() && fs::is_empty(e.path());
}

// Refuses `out` unless it is empty or holds `manifest`'s sweep.
void check_holds_only(const fs::path& out, const nlohmann::ordered_json& manifest) {
  const std::string kind = manifest.value("kind", "sweep");
  if (fs::exists(out / "sweep.json")) {
    const nlohmann::ordered_json old = read_json(out / "sweep.json");
    if (same_sweep(old, manifest)) return;
    const std::string old_name = old.value("name", "?");
    const std::size_t old_points = old.contains("points") && old["points"].is_array() ? old["points"].size() : 0;
    throw UsageError(fmt::format(
        "{}: holds a different {} ({}, {} points, from {}); choose another --out{}", out.string(),
        old.value("kind", "sweep"), old_name, old_points, old.value("spec_file", "?"),
        old_name == manifest.value("name", "") ? " (the default --out is named after the sweep: two sweep files with "
                                                 "one name need one --out each)"
                                               : ""));
  }
  std::vector<std::string> other;
  for (const auto& e : fs::directory_iterator(out)) {
    if (!left_by_a_start(e)) other.push_back(e.path().filename().string());
  }
  if (!other.empty()) {
    std::sort(other.begin(), other.end());
    throw UsageError(fmt::format("{}: not empty and not a {} folder (it holds {}{}); choose another --out",
                                 out.string(), kind, other.front(),
                                 other.size() > 1 ? fmt::format(" and {} more", other.size() - 1) : ""));
  }
}

}  // namespace

CollectLock::CollectLock(const fs::path& dir) {
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
    const int err = errno;
    if (fd_ >= 0) ::close(fd_);
    throw EnvironmentError(fmt::format("{}: cannot lock: {}", dir.string(), std::strerror(err)));
  }
}

CollectLock::~CollectLock() { ::close(fd_); }

bool same_sweep(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  for (const char* key : {"kind", "name", "mode", "common", "axes", "points"}) {
    if (a.contains(key) != b.contains(key) || (a.contains(key) && a[key] != b[key])) return false;
  }
  return true;
}

SweepFolder::SweepFolder(const fs::path& out, const nlohmann::ordered_json& manifest, int shard_k, int shard_n)
    : out_(out), suffix_(shard_n > 1 ? fmt::format(".shard-{}-of-{}", shard_k, shard_n) : "") {
  if (fs::exists(out) && !fs::is_directory(out)) {
    throw UsageError(fmt::format("--out {}: not a folder", out.string()));
  }
  fs::create_directories(out);
  lock_.emplace(out, shard_n > 1 ? RunFolderLock::Sharing::kShared : RunFolderLock::Sharing::kExclusive);
  check_holds_only(out, manifest);
  marker_.emplace(out / ("RUNNING" + suffix_));
  // This process takes up the interrupted work: its own shard's, or (unsharded) every shard's.
  std::error_code ignored;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (suffix_.empty() ? name.starts_with("INTERRUPTED") : name == "INTERRUPTED" + suffix_)
      fs::remove(e.path(), ignored);
  }
}

void SweepFolder::interrupted(int signal) {
  write_file_atomic(out_ / ("INTERRUPTED" + suffix_),
                    fmt::format("interrupted by {}; its results are incomplete: run the same command again to resume\n",
                                signal == SIGINT    ? "SIGINT"
                                : signal == SIGTERM ? "SIGTERM"
                                                    : fmt::format("signal {}", signal)));
}

}  // namespace xbarsim::sweep
