// `xbarsim run EXPERIMENT.yaml [--set key.path=value]... [--out DIR] [--seed N] [--quiet]`:
// builds the whole experiment from its configuration (every error before any output), then runs
// it into a fresh run folder that holds everything needed to reproduce it.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "core/progress.hpp"
#include "workloads/run.hpp"

namespace po = boost::program_options;

namespace xbarsim::apps {
namespace {

constexpr const char* kRunUsage =
    "usage: xbarsim run EXPERIMENT.yaml [--set key.path=value]... [--out DIR] [--seed N] [--quiet] [--trace FILE.vcd]\n"
    "       xbarsim run --resume RUN_DIR [--stop-after-epoch N] [--quiet]";

std::filesystem::path default_out_dir(const std::string& name) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::filesystem::path base = std::filesystem::path("runs") / fmt::format("{}-{:%Y%m%d-%H%M%S}", name, tm);
  std::filesystem::path p = base;
  for (int i = 2; std::filesystem::exists(p); ++i) p = base.string() + "-" + std::to_string(i);
  return p;
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  po::options_description opts("run options");
  opts.add_options()("help,h", "show this help")("set", po::value<std::vector<std::string>>()->composing(),
                                                 "override a key: key.path=value (repeatable)")(
      "out", po::value<std::string>(), "run folder (default runs/NAME-DATE-TIME); must not exist or be empty")(
      "seed", po::value<std::uint64_t>(), "random seed (overrides experiment.seed)")(
      "quiet,q", "no progress and no summary on the terminal")(
      "trace", po::value<std::string>(), "write a VCD trace (GTKWave) of the SystemC model to this file")(
      "resume", po::value<std::string>(), "continue an interrupted training run in this folder (no EXPERIMENT.yaml)")(
      "stop-after-epoch", po::value<int>(), "stop after this epoch's checkpoint (continue later with --resume)")(
      "config", po::value<std::string>(), "experiment file");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("xbarsim run: {} (see xbarsim run --help)", e.what()));
  }
  if (vm.count("help") != 0) {
    std::cout << kRunUsage << "\n\n" << opts;
    return 0;
  }
  const bool resume = vm.count("resume") != 0;
  if (resume && (vm.count("config") != 0 || vm.count("set") != 0 || vm.count("seed") != 0 || vm.count("out") != 0)) {
    throw UsageError(
        "xbarsim run: --resume RUN_DIR takes its configuration and folder from RUN_DIR: no "
        "EXPERIMENT.yaml, --set, --seed or --out with it");
  }
  if (!resume && vm.count("config") == 0)
    throw UsageError("xbarsim run: no experiment file given (see xbarsim run --help)");

  // 1. Configuration: load, override, build everything, check that every key was read.
  const std::filesystem::path resume_dir = resume ? vm["resume"].as<std::string>() : "";
  Params root = Params::from_file(resume ? resume_dir / "config.resolved.yaml"
                                         : std::filesystem::path(vm["config"].as<std::string>()));
  if (vm.count("set") != 0) {
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) root.apply_override(s);
  }
  if (vm.count("seed") != 0) {
    root.apply_override(fmt::format("experiment.seed={}", vm["seed"].as<std::uint64_t>()));
  }
  workloads::PreparedExperiment prepared = workloads::prepare_experiment(root);

  // 2. Run into a fresh folder.
  const std::filesystem::path out = resume                 ? resume_dir
                                    : vm.count("out") != 0 ? std::filesystem::path(vm["out"].as<std::string>())
                                                           : default_out_dir(prepared.name);
  const bool quiet = vm.count("quiet") != 0;
  Progress progress(stderr, quiet);
  workloads::ExecuteOptions options;
  options.banner = fmt::format("xbarsim {}: {} -> {}", XBARSIM_VERSION, prepared.name, out.string());
  if (vm.count("trace") != 0) options.trace_file = vm["trace"].as<std::string>();
  options.resume = resume;
  if (vm.count("stop-after-epoch") != 0) options.stop_after_epoch = vm["stop-after-epoch"].as<int>();
  const std::string stopped = workloads::execute(prepared, root, out, progress, quiet ? nullptr : stdout, options);
  if (!stopped.empty()) {
    fmt::print(stderr, "xbarsim: {}\n", stopped);
    return 3;
  }
  if (!quiet) fmt::print("results in {}\n", out.string());
  return 0;
}

}  // namespace xbarsim::apps
