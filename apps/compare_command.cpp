// `xbarsim compare COMPARE.yaml [-j N] [--out DIR] [--quiet]`: one base experiment run with
// several device cards (each its own point), side by side in compare.md and compare.csv, with
// each technology's energy identity checked.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "sweep/compare.hpp"
#include "sweep/process.hpp"
#include "sweep/runner.hpp"

namespace po = boost::program_options;

namespace xbarsim::apps {

int compare_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage = "usage: xbarsim compare COMPARE.yaml [-j N] [--out DIR] [--quiet]";
  po::options_description opts("compare options");
  opts.add_options()("help,h", "show this help")("jobs,j", po::value<int>(),
                                                 "technologies run at the same time (default: the number of cores)")(
      "out", po::value<std::string>(), "folder (default sweeps/NAME); an existing one is resumed")(
      "quiet,q", "no progress lines and no table on the terminal")("config", po::value<std::string>(), "compare file");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("xbarsim compare: {} (see xbarsim compare --help)", e.what()));
  }
  if (vm.count("help") != 0) {
    std::cout << kUsage << "\n\n" << opts;
    return 0;
  }
  if (vm.count("config") == 0) throw UsageError("xbarsim compare: no compare file given (see xbarsim compare --help)");

  const sweep::SweepSpec spec = sweep::parse_compare(vm["config"].as<std::string>());
  sweep::SweepOptions o;
  o.out = vm.count("out") != 0 ? std::filesystem::path(vm["out"].as<std::string>())
                               : std::filesystem::path("sweeps") / spec.name;
  o.jobs = vm.count("jobs") != 0 ? vm["jobs"].as<int>() : default_jobs();
  if (o.jobs < 1) throw UsageError(fmt::format("xbarsim compare: -j {}: expected at least 1", o.jobs));
  o.quiet = vm.count("quiet") != 0;
  o.exe = sweep::self_exe();
  o.redo = "run the same `xbarsim compare` again (finished technologies are not run again)";
  const sweep::SweepOutcome r = sweep::run_sweep(spec, o);
  if (r.exit_code > 128) return r.exit_code;
  if (!r.collected.missing.empty()) {
    fmt::print(stderr, "compare: {} of {} technologies failed; no table written (see the logs above)\n",
               r.collected.missing.size(), r.collected.total);
    return 1;
  }
  const sweep::Comparison cmp =
      sweep::compare(r.collected.table, sweep::compare_layout(sweep::manifest(spec, spec.points())));
  const std::string title =
      spec.reference || !cmp.layout.flows.empty()
          ? fmt::format("{}: technology comparison", spec.name)
          : fmt::format("{}: technology comparison (base {})", spec.name, spec.base.filename().string());
  const std::string md = sweep::compare_markdown(cmp, title);
  sweep::write_atomic(o.out / "compare.md", md);
  sweep::write_atomic(o.out / "compare.csv", sweep::compare_csv(cmp));
  std::string written = "compare.md, compare.csv";
  const std::string iso = sweep::iso_accuracy_markdown(cmp);
  if (!iso.empty()) {
    sweep::write_atomic(o.out / "iso_accuracy.md", iso);
    sweep::write_atomic(o.out / "iso_accuracy.csv", sweep::iso_accuracy_csv(cmp));
    written += ", iso_accuracy.md, iso_accuracy.csv";
  }
  if (!o.quiet) fmt::print("{}\n{}", md, iso.empty() ? "" : iso + "\n");
  print_collected(r.collected, o.out, o.redo);
  fmt::print("{}: {}\n", o.out.string(), written);
  std::fflush(stdout);  // the warnings after the tables, also when both streams go to one file
  for (const auto& w : cmp.warnings) fmt::print(stderr, "compare: warning: {}\n", w);
  const auto& checks = cmp.checks;
  int violated = 0;
  for (const auto& c : checks) {
    if (c.holds) continue;
    ++violated;
    fmt::print(stderr, "compare: energy identity VIOLATED for {}: {} components sum to {:.12g} pJ, total {:.12g} pJ\n",
               c.row_label, c.field, c.sum, c.total);
  }
  if (checks.empty()) {
    fmt::print("identity: no technology reports a total with components (nothing to check)\n");
  } else if (violated == 0) {
    fmt::print("identity: holds for every technology ({} checks: sum of components == total within 1e-9)\n",
               checks.size());
  }
  return violated != 0 ? 70 : r.exit_code;
}

}  // namespace xbarsim::apps
