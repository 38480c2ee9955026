#include "sweep/runner.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/params.hpp"
#include "sweep/process.hpp"
#include "workloads/run.hpp"

namespace fs = std::filesystem;

namespace xbarsim::sweep {
namespace {

std::string slurp(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string last_line(const fs::path& f) {
  std::ifstream in(f);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? "(no output)" : last;
}

// Builds the experiment of the base with `overrides` (what `xbarsim run` does before running)
// and returns its resolved configuration.
std::string resolve(const std::filesystem::path& base, const std::vector<std::string>& overrides) {
  Params root = Params::from_file(base);
  for (const auto& o : overrides) root.apply_override(o);
  (void)workloads::prepare_experiment(root);
  return root.resolved_yaml();
}

std::vector<std::string> axis_names(const nlohmann::ordered_json& manifest) {
  std::vector<std::string> names;
  for (const auto& a : manifest["axes"]) names.push_back(a["name"].get<std::string>());
  return names;
}

// "45 s", "12 min", "3.5 h".
std::string duration_text(double seconds) {
  if (seconds < 120.0) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200.0) return fmt::format("{:.0f} min", seconds / 60.0);
  return fmt::format("{:.1f} h", seconds / 3600.0);
}

void remove_if_exists(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

}  // namespace

void write_atomic(const fs::path& file, const std::string& text) {
  const fs::path tmp = fmt::format("{}.{}.tmp", file.string(), getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("{}: cannot open for writing", tmp.string()));
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("{}: write failed", tmp.string()));
  }
  fs::rename(tmp, file);
}

std::vector<std::string> validate_points(const SweepSpec& spec, const std::vector<Point>& points) {
  // The base with the common overrides alone.
  try {
    (void)resolve(spec.base, spec.common);
  } catch (const UserError& e) {
    throw ConfigError(
        fmt::format("{}: base {} with {}.set: {}", spec.file.string(), spec.base.string(), spec.kind, e.what()));
  }
  std::vector<std::string> resolved;
  std::map<std::tuple<std::size_t, std::size_t, std::string>, bool> value_ok;  // (axis, value, base): builds alone
  for (const auto& p : points) {
    try {
      resolved.push_back(resolve(p.base, p.overrides));
    } catch (const UserError& e) {
      if (p.reference) {
        throw ConfigError(
            fmt::format("{}: reference {} ({}): {}", spec.file.string(), p.name, p.base.string(), e.what()));
      }
      // Blame the first axis whose value alone (on the point's base) does not build.
      for (std::size_t a = 0; a < spec.axes.size(); ++a) {
        const auto key = std::make_tuple(a, p.value_of[a], p.base.string());
        const AxisValue& v = spec.axes[a].values[p.value_of[a]];
        if (value_ok.count(key) == 0) {
          std::vector<std::string> o = spec.common;
          o.insert(o.end(), v.overrides.begin(), v.overrides.end());
          try {
            (void)resolve(p.base, o);
            value_ok[key] = true;
          } catch (const UserError& ea) {
            throw ConfigError(
                fmt::format("{} ({}): value '{}': {}", spec.axes[a].where, spec.axes[a].name, v.label, ea.what()));
          }
        }
      }
      throw ConfigError(
          fmt::format("{}: point {} (this combination of axis values): {}", spec.file.string(), p.name, e.what()));
    }
  }
  return resolved;
}

Collected collect(const fs::path& dir, const nlohmann::ordered_json& manifest, const std::string& redo) {
  // One collector at a time (shards sharing the folder): points/ is locked, not the folder,
  // which the shards hold shared.
  const CollectLock one_at_a_time(dir / "points");
  Collected c;
  std::vector<PointResult> results;
  for (const auto& p : manifest["points"]) {
    PointResult r;
    r.name = p["name"].get<std::string>();
    for (const auto& l : p["labels"]) r.labels.push_back(l.get<std::string>());
    const fs::path report = dir / "points" / r.name / "report.json";
    if (fs::exists(report)) {
      r.report = read_json(report);
    } else {
      c.missing.push_back(r.name);
    }
    results.push_back(std::move(r));
  }
  c.total = results.size();
  const auto axes = axis_names(manifest);
  c.table = build_table(axes, results);
  if (c.missing.empty()) {
    write_atomic(dir / "sweep.csv", c.table.csv());
    remove_if_exists(dir / "sweep.csv.partial");
    c.plots = draw_figures(dir);
  } else {
    write_atomic(dir / "sweep.csv.partial", c.table.csv());
    remove_if_exists(dir / "sweep.csv");
  }
  (void)redo;
  return c;
}

SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& opt) {
  // Held from the start: a signal that arrives while the folder's markers are written is not
  // lost (a background process of a non-interactive shell starts with SIGINT ignored).
  const StopSignals stop_signals;
  const std::vector<Point> points = spec.points();
  const std::vector<std::string> resolved = validate_points(spec, points);  // before anything runs
  const nlohmann::ordered_json man = manifest(spec, points);

  SweepOutcome outcome;
  outcome.folder = std::make_shared<SweepFolder>(opt.out, man, opt.shard_k, opt.shard_n);
  const fs::path pdir = opt.out / "points";
  write_atomic(opt.out / "sweep.json", man.dump(2) + "\n");
  fs::create_directories(pdir);

  // Which points of this shard are finished; a finished point run with another configuration
  // is an error (its results would silently mix with new ones).
  std::vector<std::size_t> todo;
  for (const auto& p : points) {
    if (static_cast<int>(p.index % static_cast<std::size_t>(opt.shard_n)) != opt.shard_k - 1) continue;
    const fs::path final_dir = pdir / p.name;
    if (fs::exists(final_dir / "report.json")) {
      if (slurp(final_dir / "config.resolved.yaml") != resolved[p.index]) {
        throw UserError(
            fmt::format("{}: this finished point was run with a different configuration than the sweep now gives "
                        "(delete the folder to run it again, or choose another --out)",
                        final_dir.string()));
      }
      ++outcome.reused;
      continue;
    }
    todo.push_back(p.index);
  }

  std::vector<Job> jobs;
  for (const std::size_t i : todo) {
    const Point& p = points[i];
    remove_if_exists(pdir / p.name);  // a folder without report.json is not a result
    remove_if_exists(pdir / (p.name + ".tmp"));
    remove_if_exists(pdir / (p.name + ".failed"));
    Job j;
    j.id = i;
    j.argv = {opt.exe.string(), "run", p.base.string()};
    for (const auto& o : p.overrides) {
      j.argv.push_back("--set");
      j.argv.push_back(o);
    }
    j.argv.insert(j.argv.end(), {"--out", (pdir / (p.name + ".tmp")).string(), "--quiet"});
    j.log = pdir / (p.name + ".log");
    jobs.push_back(std::move(j));
  }
  if (!opt.quiet) {
    fmt::print(stderr, "{} {}: {} points{}, {} finished before, {} to run (-j {}) -> {}\n", spec.kind, spec.name,
               points.size(),
               opt.shard_n > 1
                   ? fmt::format(" (shard {}/{}: {})", opt.shard_k, opt.shard_n, todo.size() + outcome.reused)
                   : "",
               outcome.reused, todo.size(), opt.jobs, opt.out.string());
  }

  std::size_t done = 0;
  std::set<std::size_t> running(todo.begin(), todo.end());  // not finished yet
  const auto start = std::chrono::steady_clock::now();
  // "; R running, F failed, ETA T": the points left at the rate points finished so far.
  const auto progress = [&] {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t left = todo.size() - done;
    const std::size_t now_running = std::min(left, static_cast<std::size_t>(opt.jobs));
    return fmt::format("; {} running, {} failed, ETA {}", now_running, outcome.failed,
                       duration_text(elapsed / static_cast<double>(done) * static_cast<double>(left)));
  };
  const int sig = run_jobs(jobs, opt.jobs, [&](const Finished& f) {
    const Point& p = points[f.id];
    running.erase(f.id);
    ++done;
    const fs::path tmp = pdir / (p.name + ".tmp");
    const fs::path log = pdir / (p.name + ".log");
    if (f.exit_code == 0 && fs::exists(tmp / "report.json")) {
      fs::rename(log, tmp / "run.log");
      fs::rename(tmp, pdir / p.name);
      ++outcome.ran;
      if (!opt.quiet) {
        fmt::print(stderr, "[{}/{}] {}: done in {:.1f} s{}\n", done, todo.size(), p.name, f.seconds, progress());
      }
    } else {
      ++outcome.failed;
      const std::string why = last_line(log);
      const fs::path failed = pdir / (p.name + ".failed");
      if (fs::exists(tmp)) {
        fs::rename(tmp, failed);
      } else {
        fs::create_directories(failed);
      }
      fs::rename(log, failed / "run.log");
      fmt::print(stderr, "[{}/{}] {}: FAILED (exit {}): {} (log: {}){}\n", done, todo.size(), p.name, f.exit_code, why,
                 (failed / "run.log").string(), progress());
    }
  });
  if (sig != 0) {
    for (const std::size_t i : running) {
      remove_if_exists(pdir / (points[i].name + ".tmp"));
      remove_if_exists(pdir / (points[i].name + ".log"));
    }
    fmt::print(stderr, "{} interrupted: {} points finished now; run the same command again to resume\n", spec.kind,
               outcome.ran);
    outcome.folder->interrupted(sig);
    outcome.exit_code = 128 + sig;
    return outcome;
  }
  outcome.collected = collect(opt.out, man, opt.redo);
  outcome.exit_code = outcome.failed != 0 ? 1 : 0;
  return outcome;
}

Collected merge(const std::vector<fs::path>& dirs, const fs::path& out) {
  if (dirs.empty()) throw UsageError("xbarsim merge: no sweep folders given");
  std::vector<nlohmann::ordered_json> manifests;
  for (const auto& d : dirs) {
    if (!fs::exists(d / "sweep.json")) {
      throw UserError(fmt::format("{}: not a sweep folder (no sweep.json)", d.string()));
    }
    manifests.push_back(read_json(d / "sweep.json"));
    if (manifests.back()["points"] != manifests.front()["points"] ||
        manifests.back()["axes"] != manifests.front()["axes"]) {
      throw UserError(
          fmt::format("{}: holds a different sweep than {} (their points differ)", d.string(), dirs.front().string()));
    }
  }
  const nlohmann::ordered_json& man = manifests.front();
  const SweepFolder folder(out, man);
  write_atomic(out / "sweep.json", man.dump(2) + "\n");
  fs::create_directories(out / "points");
  for (const auto& p : man["points"]) {
    const std::string name = p["name"].get<std::string>();
    const fs::path dst = out / "points" / name;
    if (fs::exists(dst / "report.json")) continue;
    for (const auto& d : dirs) {
      const fs::path src = d / "points" / name;
      if (!fs::exists(src / "report.json")) continue;
      const fs::path tmp = fmt::format("{}.merge{}.tmp", dst.string(), getpid());
      remove_if_exists(tmp);
      remove_if_exists(dst);
      fs::copy(src, tmp, fs::copy_options::recursive);
      fs::rename(tmp, dst);
      break;
    }
  }
  return collect(out, man, "");
}

}  // namespace xbarsim::sweep
