// `xbarsim sweep SWEEP.yaml [-j N] [--out DIR] [--shard K/N] [--quiet]`: runs every point of a
// sweep (each its own `xbarsim run` process), resumable, into one folder with sweep.csv and plots.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <thread>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "sweep/process.hpp"
#include "sweep/runner.hpp"

namespace po = boost::program_options;

namespace xbarsim::apps {

int default_jobs() { return static_cast<int>(std::max(1U, std::thread::hardware_concurrency())); }

void print_collected(const sweep::Collected& c, const std::filesystem::path& out, const std::string& redo) {
  if (!c.missing.empty()) {
    fmt::print(
        "{}: {} of {} points finished here (first missing: {}); sweep.csv.partial holds their rows. "
        "To finish: {}; for shard folders, `xbarsim merge` them once every shard is done.\n",
        out.string(), c.total - c.missing.size(), c.total, c.missing.front(), redo);
    return;
  }
  fmt::print("{}: {} rows x {} columns\n", (out / "sweep.csv").string(), c.table.rows.size(), c.table.columns.size());
  if (!c.plots.plotter_found) {
    fmt::print(stderr, "{}\n", sweep::plotter_missing_hint(redo));
  } else if (!c.plots.figures.empty()) {
    fmt::print("figures (PNG and SVG) in {}: {}\n", out.string(), fmt::join(c.plots.figures, ", "));
  }
  for (const auto& e : c.plots.errors) fmt::print(stderr, "{}\n", e);
}

int sweep_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: xbarsim sweep SWEEP.yaml [--set KEY=VALUE]... [-j N] [--out DIR] [--shard K/N] [--quiet]";
  po::options_description opts("sweep options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "KEY=VALUE on every point, after the sweep file's set: (repeatable; SECTION.include=FILE swaps a card)")(
      "jobs,j", po::value<int>(), "points run at the same time (default: the number of cores)")(
      "out", po::value<std::string>(), "sweep folder (default sweeps/NAME); an existing one is resumed")(
      "shard", po::value<std::string>(), "run only every N-th point, starting with the K-th (K/N)")(
      "quiet,q", "no progress lines")("config", po::value<std::string>(), "sweep file");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("xbarsim sweep: {} (see xbarsim sweep --help)", e.what()));
  }
  if (vm.count("help") != 0) {
    std::cout << kUsage << "\n\n" << opts;
    return 0;
  }
  if (vm.count("config") == 0) throw UsageError("xbarsim sweep: no sweep file given (see xbarsim sweep --help)");

  sweep::SweepSpec spec = sweep::parse_sweep(vm["config"].as<std::string>());
  // Command-line overrides join the file's common ones: every point runs them, and the folder's
  // manifest holds them, so a resume with other --set values is a different sweep.
  if (vm.count("set") != 0) {
    for (const auto& a : vm["set"].as<std::vector<std::string>>()) {
      const auto eq = a.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw UsageError(fmt::format("xbarsim sweep: --set {}: expected KEY=VALUE", a));
      }
      spec.common.push_back(a);
    }
  }
  sweep::SweepOptions o;
  o.out = vm.count("out") != 0 ? std::filesystem::path(vm["out"].as<std::string>())
                               : std::filesystem::path("sweeps") / spec.name;
  o.jobs = vm.count("jobs") != 0 ? vm["jobs"].as<int>() : default_jobs();
  if (o.jobs < 1) throw UsageError(fmt::format("xbarsim sweep: -j {}: expected at least 1", o.jobs));
  if (vm.count("shard") != 0) std::tie(o.shard_k, o.shard_n) = sweep::parse_shard(vm["shard"].as<std::string>());
  o.quiet = vm.count("quiet") != 0;
  o.exe = sweep::self_exe();
  o.redo = "run the same `xbarsim sweep` again (finished points are not run again)";
  const sweep::SweepOutcome r = sweep::run_sweep(spec, o);
  if (r.exit_code > 128) return r.exit_code;
  if (!o.quiet || r.failed != 0) {
    fmt::print("{} points run, {} already finished, {} failed\n", r.ran, r.reused, r.failed);
  }
  print_collected(r.collected, o.out, o.redo);
  return r.exit_code;
}

}  // namespace xbarsim::apps
