#include "workloads/run.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "core/checkpoint_file.hpp"
#include "core/error.hpp"
#include "core/report.hpp"
#include "core/run_folder.hpp"

namespace xbarsim::workloads {

PreparedExperiment prepare_experiment(const Params& root) {
  const Params section = root.child("experiment");
  const ExperimentSpec spec = ExperimentSpec::from_params(section, ExperimentRegistry::instance().names());
  PreparedExperiment p;
  p.name = spec.name;
  p.seed = static_cast<std::int64_t>(spec.seed);
  p.impl = spec.impl;
  p.experiment = ExperimentRegistry::instance().build(spec.impl, section, spec, root);
  root.check_all_read();
  return p;
}

namespace {

// The JSON path ("results.summary.x", "a[3]") of the first NaN or infinity in `j`, or empty.
std::string first_non_finite_number(const nlohmann::json& j, const std::string& path) {
  if (j.is_number_float()) return std::isfinite(j.get<double>()) ? std::string() : path;
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      std::string at = first_non_finite_number(value, path.empty() ? key : path + "." + key);
      if (!at.empty()) return at;
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      std::string at = first_non_finite_number(j[i], fmt::format("{}[{}]", path, i));
      if (!at.empty()) return at;
    }
  }
  return {};
}

}  // namespace

namespace {

// Marks a failed run (FAILED with the error, no RUNNING). Never throws: when the marker cannot
// be written either (a full disk), the original error is the one reported.
void mark_failed(const std::filesystem::path& out_dir, const std::string& error) noexcept {
  try {
    write_file_atomic(out_dir / "FAILED", error + "\n");
  } catch (...) {
  }
  std::error_code ignored;
  std::filesystem::remove(out_dir / "RUNNING", ignored);
}

// Options that would be ignored, or fail only after the simulation, are refused up front.
void check_options(const PreparedExperiment& prepared, const ExecuteOptions& options) {
  const Experiment& e = *prepared.experiment;
  if (options.stop_after_epoch != 0) {
    const int epochs = e.checkpointed_epochs();
    if (options.stop_after_epoch < 1) {
      throw UsageError(fmt::format("--stop-after-epoch {}: expected an epoch >= 1", options.stop_after_epoch));
    }
    if (epochs == 0) {
      throw UsageError(
          fmt::format("--stop-after-epoch: experiment {} ({}) does not checkpoint, so it cannot stop and "
                      "resume (only in-situ training does)",
                      prepared.name, prepared.impl));
    }
    if (options.stop_after_epoch >= epochs) {
      throw UsageError(fmt::format("--stop-after-epoch {}: the run has {} epochs; it can stop after epoch 1 to {}",
                                   options.stop_after_epoch, epochs, epochs - 1));
    }
  }
  if (!options.trace_file.empty()) {
    if (!e.has_systemc_model()) {
      throw UsageError(fmt::format("--trace: experiment {} ({}) does not simulate the chip; nothing to trace",
                                   prepared.name, prepared.impl));
    }
    const std::filesystem::path vcd = vcd_file_of(options.trace_file);
    if (std::filesystem::is_directory(vcd) || std::filesystem::is_directory(options.trace_file)) {
      throw UsageError(
          fmt::format("--trace {}: a folder; expected the path of a .vcd file", options.trace_file.string()));
    }
    // Opened now, not after the simulation: an unwritable path fails before any work is done.
    const bool existed = std::filesystem::exists(vcd);
    std::FILE* f = std::fopen(vcd.c_str(), "a");
    if (f == nullptr) {
      throw UsageError(fmt::format("--trace {}: cannot write {}: {}", options.trace_file.string(), vcd.string(),
                                   std::generic_category().message(errno)));
    }
    std::fclose(f);
    if (!existed) std::filesystem::remove(vcd);
  }
}

}  // namespace

std::filesystem::path vcd_file_of(const std::filesystem::path& trace) {
  std::string base = trace.string();
  if (base.size() > 4 && base.ends_with(".vcd")) base.resize(base.size() - 4);
  return base + ".vcd";
}

std::string execute(PreparedExperiment& prepared, const Params& root, const std::filesystem::path& out_dir,
                    Progress& progress, std::FILE* log, const ExecuteOptions& options) {
  check_options(prepared, options);
  prepared.experiment->check_inputs();
  // One process per folder: the lock is held until execute returns (or the process ends).
  std::optional<RunFolderLock> lock;
  if (options.resume) {
    lock.emplace(out_dir);  // a RUNNING marker found here now is a crashed run's: stale
    if (std::filesystem::exists(out_dir / "report.json")) {
      throw UsageError(fmt::format("--resume {}: this run has finished (report.json exists)", out_dir.string()));
    }
    if (!std::filesystem::exists(out_dir / "checkpoint.bin")) {
      throw UsageError(
          fmt::format("--resume {}: no checkpoint.bin (the run stopped before its first epoch ended, "
                      "or its experiment does not checkpoint)",
                      out_dir.string()));
    }
    // The envelope's checks (checksum, the configuration the run started with) before the
    // experiment is built; its own checks of the content follow when it loads the state.
    read_checkpoint_file(out_dir / "checkpoint.bin", root.resolved_yaml(), out_dir / "config.resolved.yaml");
  } else {
    if (std::filesystem::exists(out_dir) && !std::filesystem::is_directory(out_dir)) {
      throw UsageError(fmt::format("--out {}: a file, not a folder (choose another path)", out_dir.string()));
    }
    std::filesystem::create_directories(out_dir);
    lock.emplace(out_dir);  // before the emptiness check: two runs on one --out cannot both pass it
    if (!std::filesystem::is_empty(out_dir)) {
      throw UsageError(
          fmt::format("--out {}: folder exists and is not empty (choose another or delete it)", out_dir.string()));
    }
    write_file_atomic(out_dir / "config.resolved.yaml", root.resolved_yaml());
  }
  // A resumed run's folder keeps its markers until the checkpoint has passed every check
  // (confirm_resume): a refused resume leaves the folder as it was, still resumable.
  bool running = false;
  struct Disarm {
    ~Disarm() { disarm_interrupt_marker(); }
  } disarm;
  const auto mark_running = [&out_dir, &running] {
    std::filesystem::remove(out_dir / "INTERRUPTED");
    std::filesystem::remove(out_dir / "FAILED");
    write_file_atomic(out_dir / "RUNNING", RunFolderLock::running_text());
    arm_interrupt_marker(out_dir);
    running = true;
  };
  if (!options.resume) mark_running();
  if (log != nullptr && !options.banner.empty()) {
    fmt::print(log, "{}\n", options.banner);  // after every check: the folder is now this run's
    std::fflush(log);
  }

  RunContext ctx;
  ctx.out_dir = out_dir;
  ctx.progress = &progress;
  ctx.log = log;
  ctx.trace_file = options.trace_file;
  ctx.resume = options.resume;
  ctx.resolved_config = root.resolved_yaml();
  ctx.confirm_resume = mark_running;
  ctx.stop_after_epoch = options.stop_after_epoch;
  nlohmann::json results;
  try {
    results = prepared.experiment->run(ctx);
  } catch (const std::exception& e) {
    if (!running) throw;  // a refused resume: nothing in the folder changed
    mark_failed(out_dir, e.what());
    throw;
  }

  // report.json is deterministic (same seed, same bytes); wall-clock figures go elsewhere.
  nlohmann::json report;
  report["xbarsim_version"] = XBARSIM_VERSION;
  report["experiment"] = {{"name", prepared.name}, {"impl", prepared.impl}, {"seed", prepared.seed}};
  if (!ctx.interrupted.empty()) {
    write_file_atomic(out_dir / "INTERRUPTED", ctx.interrupted + "\n");
    std::filesystem::remove(out_dir / "RUNNING");
    return ctx.interrupted;
  }
  // The headline figures (what sweeps and comparisons read) at the top level.
  if (results.contains("summary")) {
    report["summary"] = results["summary"];
    results.erase("summary");
  }
  if (!ctx.data.is_null()) report["data"] = ctx.data;
  report["results"] = results;
  report["energy"] = ctx.ledger.energy_tree();
  report["area"] = ctx.ledger.area_tree();
  // No NaN, infinity or wrapped counter reaches a report: the run fails, marked, instead.
  std::string bad;
  if (const std::string counter = ctx.ledger.saturated(); !counter.empty()) {
    bad = fmt::format("the energy counter of {} passed 2^64 - 1 counts; run fewer images per run", counter);
  } else if (const std::string at = first_non_finite_number(report, ""); !at.empty()) {
    bad = fmt::format("{} is not a finite number; the configuration's values drive the model out of its range", at);
  }
  if (!bad.empty()) {
    mark_failed(out_dir, bad);
    throw DivergedError(fmt::format("{}: {}", (out_dir / "report.json").string(), bad));
  }
  // The contract version first, then the fields in their (alphabetical) order as before.
  nlohmann::ordered_json versioned;
  versioned["schema_version"] = kReportJsonSchemaVersion;
  for (const auto& [key, value] : report.items()) versioned[key] = value;
  write_json(out_dir / "report.json", versioned);
  write_energy_csv(out_dir / "energy.csv", ctx.ledger);
  write_area_csv(out_dir / "area.csv", ctx.ledger);
  write_json(out_dir / "wallclock.json", ctx.wallclock);
  std::filesystem::remove(out_dir / "RUNNING");
  return {};
}

}  // namespace xbarsim::workloads
