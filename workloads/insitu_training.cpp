// In-situ training on the simulated chip (Al Misba et al., arXiv:2111.07284; Hubara et al.,
// JMLR 2018; GXNOR and mixed-precision rules per device): every mini-batch runs forward through
// the tiles, back through the transposed arrays, computes weight gradients digitally, updates
// the latent state in the SRAM accumulator and programs only the devices that must change
// (InsituStep). Every action is counted per phase (forward, backward, update) and per epoch; a
// checkpoint at each epoch's end (insitu_checkpoint.hpp) lets `xbarsim run --resume RUN_DIR`
// continue to the same result; the results are built by insitu_report.hpp.
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "arch/chip.hpp"
#include "core/report.hpp"
#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/fp32_trainer.hpp"
#include "workloads/insitu_checkpoint.hpp"
#include "workloads/insitu_report.hpp"
#include "workloads/insitu_step.hpp"
#include "workloads/network.hpp"
#include "workloads/network_spec.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/specs.hpp"
#include "workloads/training_loop.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

// The largest mini-batch of in-situ training.
constexpr std::int64_t kMaxInsituBatchSize = 10000;

// The leakage of SRAM `name` in `phase`, counted in ns: "<phase>/leakage", "<name>_leakage_ns".
Ledger::Counter declare_leakage(Ledger& ledger, arch::Phase phase, const std::string& name,
                                const periphery::Sram& sram) {
  return ledger.declare(fmt::format("{}/leakage", arch::name(phase)), name + "_leakage_ns", sram.leakage_power() * 1e-9,
                        sram.leakage_per_bit().source + " x capacity x 1 ns");
}

// The epochs of one run: InsituStep per batch; after each epoch the test pass on the chip, the
// epoch's record (report.json, epochs.csv, console) and the checkpoint.
class InsituEpochs final : public EpochTrainer {
 public:
  InsituEpochs(InsituStep& step, arch::Chip& chip, const arch::ChipSpec& spec, const InsituState& state,
               InsituProgress& progress, const Dataset& test, int test_batch, CsvTable& table, RunContext& ctx)
      : step_(step),
        chip_(chip),
        state_(state),
        progress_(progress),
        test_(test),
        test_images_(Eigen::Map<const Eigen::MatrixXf>(test.image(0), static_cast<Eigen::Index>(test.features),
                                                       static_cast<Eigen::Index>(test.count))),
        test_batch_(test_batch),
        table_(table),
        ctx_(ctx),
        clock_hz_(spec.clock),
        // The SRAMs leak while the test passes run (phase inference), like tiled inference's.
        buffer_leak_(declare_leakage(ctx.ledger, arch::Phase::kInference, "buffer", *spec.buffer)),
        accumulator_leak_(declare_leakage(ctx.ledger, arch::Phase::kInference, "accumulator", *spec.accumulator)) {}

  std::string epoch_label(int epoch, int epochs) const override {
    return fmt::format("epoch {}/{} in situ", epoch, epochs);
  }
  // The devices' weights are bounded by their conductances; the digital biases are not.
  std::string non_finite() const override { return first_non_finite(state_.biases, "biases"); }

  void begin_epoch(int, double) override {
    programming_before_ = update_programming_pJ(ctx_.ledger);
    training_before_ = training_energy_pJ(ctx_.ledger);
    events_ = 0;
    pulses_ = 0;
  }

  void run_batch(const Batch& batch, double lr, EpochTally& tally) override {
    const arch::ProgramReport r = step_.run(batch, lr, state_.rule_rng, tally, progress_.time);
    events_ += r.tally.program_events;
    pulses_ += r.tally.pulses;
  }

  void end_epoch(const EpochSummary& s) override {
    progress_.program_events += events_;
    progress_.pulses += pulses_;
    // Test accuracy on the chip (phase "inference"), with the ranges training left.
    ctx_.progress->start(fmt::format("epoch {}/{} test", s.epoch, s.epochs), test_.count);
    const arch::InferenceReport inf = chip_.infer(test_images_, test_batch_, ctx_.progress);
    ctx_.progress->finish();
    inference_latency_ = inf.latency_cycles;
    const double seconds = static_cast<double>(inf.total_cycles) / clock_hz_;
    const auto ns = static_cast<std::uint64_t>(std::llround(seconds * 1e9));
    ctx_.ledger.add(buffer_leak_, ns);
    ctx_.ledger.add(accumulator_leak_, ns);
    throughput_ = seconds > 0.0 ? static_cast<double>(test_.count) / seconds : 0.0;
    test_accuracy_ = accuracy_of(inf.logits, test_);
    const double programming_after = update_programming_pJ(ctx_.ledger);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
    nlohmann::json e = {{"epoch", s.epoch},
                        {"learning_rate", s.learning_rate},
                        {"train_loss", s.train_loss},
                        {"train_accuracy_pct", s.train_accuracy_pct},
                        {"test_accuracy_pct", test_accuracy_},
                        {"program_events", events_},
                        {"pulses", pulses_},
                        {"programming_energy_pJ", programming_after - programming_before_},
                        {"training_energy_pJ", training_energy_pJ(ctx_.ledger) - training_before_},
                        {"simulated_time_s", progress_.time.total()}};
    progress_.epochs.push_back(e);
    progress_.epoch = s.epoch;
    nlohmann::json row = e;
    row["wall_time_s"] = wall;
    table_.row(insitu_epoch_row(row));
    ctx_.wallclock["epochs_s"].push_back(wall);
    if (ctx_.log != nullptr) {
      fmt::print(ctx_.log,
                 "epoch {:>3}/{}: train loss {:.4f}, train {:.2f} %, test {:.2f} %, {} program events, {:.4g} pJ "
                 "programming, {:.1f} s\n",
                 s.epoch, s.epochs, s.train_loss, s.train_accuracy_pct, test_accuracy_, events_,
                 e["programming_energy_pJ"].get<double>(), wall);
      std::fflush(ctx_.log);
    }
  }

  bool save_checkpoint(int) override {
    save_insitu_checkpoint(ctx_.out_dir / "checkpoint.bin", progress_, state_, ctx_.resolved_config);
    return true;
  }

  long long inference_latency() const { return inference_latency_; }
  // Test images per simulated second of the last test pass.
  double throughput() const { return throughput_; }

 private:
  InsituStep& step_;
  arch::Chip& chip_;
  const InsituState& state_;
  InsituProgress& progress_;
  const Dataset& test_;
  const Eigen::MatrixXf test_images_;
  int test_batch_;
  CsvTable& table_;
  RunContext& ctx_;
  double programming_before_ = 0.0;
  double training_before_ = 0.0;
  std::uint64_t events_ = 0;
  std::uint64_t pulses_ = 0;
  double test_accuracy_ = 0.0;
  long long inference_latency_ = 0;
  double clock_hz_;
  Ledger::Counter buffer_leak_;
  Ledger::Counter accumulator_leak_;
  double throughput_ = 0.0;
};

class InsituTraining final : public Experiment {
 public:
  InsituTraining(const Params& /*experiment*/, const ExperimentSpec& spec, const Params& root)
      : seed_(spec.seed),
        data_(DataSpec::from_params(root.child("data"))),
        network_(NetworkSpec::from_params(root.child("network"))),
        chip_spec_(training_chip(root, network_.topology)),
        training_(TrainingSpec::from_params(root.child("training"), kMaxInsituBatchSize)),
        insitu_(InsituTrainingSpec::from_params(root.child("training"))),
        simulation_(SimulationSpec::from_params(root)) {
    data_.check_input_dac(root.child("data"), chip_spec_.dac->is_signed());
    const Params arch = root.child("arch");
    rule_ = UpdateRuleRegistry::instance().create(insitu_.update, chip_spec_, training_.optimizer);
    bias_optimizer_ = training_.make_optimizer();
    // The accumulator must hold every latent weight with its optimizer state.
    std::int64_t weights = 0;
    for (const arch::LayerShape& l : network_.topology.layers) {
      weights += std::int64_t{l.weight_inputs()} * l.weight_outputs() + l.weight_outputs();
    }
    const std::int64_t words = weights * rule_->words_per_weight();
    if (words > chip_spec_.accumulator->words()) {
      arch.child("accumulator")
          .fail("capacity_bytes", fmt::format("room for {} words of {} bits ({} weights x {} words each)", words,
                                              chip_spec_.accumulator->word_bits(), weights, rule_->words_per_weight()));
    }
  }

  int checkpointed_epochs() const override { return training_.epochs; }
  bool has_systemc_model() const override { return true; }

  void check_inputs() const override { data_.check_files(static_cast<std::size_t>(network_.topology.features())); }

  nlohmann::json run(RunContext& ctx) override {
    const auto t_start = std::chrono::steady_clock::now();
    const Dataset train = data_.load("train");
    const Dataset test = data_.load("t10k");
    network_.check_matches(train);
    network_.check_matches(test);
    ctx.data = data_.record(train, test);
    const std::size_t n_layers = network_.topology.layers.size();

    arch::Chip chip(chip_spec_, ctx.ledger, seed_);
    if (!ctx.trace_file.empty()) chip.trace_to(ctx.trace_file.string());
    chip.declare_area();
    chip.declare_phases({arch::Phase::kProgramming, arch::Phase::kForward, arch::Phase::kBackward, arch::Phase::kUpdate,
                         arch::Phase::kInference});
    std::vector<float> scales(n_layers, 0.0F);
    std::vector<Eigen::VectorXf> biases;
    for (std::size_t l = 0; l < n_layers; ++l)
      biases.push_back(Eigen::VectorXf::Zero(network_.topology.layers[l].weight_outputs()));
    InsituStep step(chip, ctx.ledger, chip_spec_, insitu_, *rule_, *bias_optimizer_, scales, biases);

    Rng init_rng(seed_, 0);
    Rng shuffle_rng(seed_, 1);
    Rng rule_rng(seed_, 2);
    std::vector<Eigen::MatrixXf> w;
    rule_->initialize(network_.topology, init_rng, w);
    // Weight scale per layer: a normalized weight of 1 stands for sqrt(6 / fan_in) x gain, so
    // that weights spread over [-1, 1] keep the He variance 2 / fan_in (He et al., ICCV 2015).
    for (std::size_t l = 0; l < n_layers; ++l) {
      scales[l] =
          static_cast<float>(insitu_.weight_gain * std::sqrt(6.0 / network_.topology.layers[l].weight_inputs()));
    }
    rule_->update_scales(scales);
    chip.set_scales_and_biases(scales, biases);
    const arch::ProgramReport initial =
        chip.write_weights(w, arch::Phase::kProgramming, false, devices::ProgramOptions{});

    // Resume: restore everything the epochs so far produced.
    const InsituState state{shuffle_rng, rule_rng, *rule_, *bias_optimizer_, biases, chip, ctx.ledger};
    InsituProgress progress;
    progress.time.initial_write_s = initial.time_s;
    const std::filesystem::path checkpoint = ctx.out_dir / "checkpoint.bin";
    if (ctx.resume) {
      progress = load_insitu_checkpoint(checkpoint, state, ctx.resolved_config, ctx.out_dir / "config.resolved.yaml",
                                        training_.epochs);
      ctx.confirm_resume();
      rule_->update_scales(scales);
      chip.set_scales_and_biases(scales, biases);
      if (ctx.log != nullptr)
        fmt::print(ctx.log, "resuming after epoch {} from {}\n", progress.epoch, checkpoint.string());
    }

    CsvTable table(ctx.out_dir / "epochs.csv", insitu_epoch_columns(), kEpochsCsvSchemaVersion);
    for (const auto& e : progress.epochs) table.row(insitu_epoch_row(e));

    InsituEpochs epochs(step, chip, chip_spec_, state, progress, test, simulation_.batch_images, table, ctx);
    const TrainingLoop loop(training_, bias_optimizer_->learning_rate(), LearningRateSchedule::kPower,
                            ShuffleOrder::kIdentity);
    loop.run(epochs, train, shuffle_rng, ctx, progress.epoch + 1);
    if (!ctx.interrupted.empty()) return {};
    table.close();

    // Software evaluation of the very weights the devices hold (fp32 arithmetic, no converters).
    Network held(network_.topology);
    held.weights() = chip.held_weights();
    held.biases() = biases;
    InsituOutcome outcome;
    outcome.train_images = train.count;
    outcome.test_images = test.count;
    outcome.epochs = training_.epochs;
    outcome.epoch_records = progress.epochs;
    outcome.time = progress.time;
    outcome.program_events = progress.program_events;
    outcome.pulses = progress.pulses;
    outcome.test_accuracy_pct =
        progress.epochs.empty() ? 0.0 : progress.epochs.back()["test_accuracy_pct"].get<double>();
    outcome.held_accuracy_pct = evaluate_accuracy(held, test);
    outcome.inference_latency_cycles = epochs.inference_latency();
    outcome.clock_hz = chip_spec_.clock;
    outcome.device = std::string(chip_spec_.device->name());
    outcome.tiles = chip.tile_count();
    outcome.adcs = chip.adc_count();

    // Buffer and accumulator leakage over the simulated training time.
    const auto train_ns = static_cast<std::uint64_t>(std::llround(outcome.time.total() * 1e9));
    ctx.ledger.add(declare_leakage(ctx.ledger, arch::Phase::kUpdate, "buffer", *chip_spec_.buffer), train_ns);
    ctx.ledger.add(declare_leakage(ctx.ledger, arch::Phase::kUpdate, "accumulator", *chip_spec_.accumulator), train_ns);
    outcome.throughput_inferences_per_s = epochs.throughput();
    outcome.macs_per_inference = network_.topology.macs();
    nlohmann::json results = insitu_results(outcome, ctx.ledger);
    ctx.wallclock["total_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (ctx.log != nullptr) print_insitu_summary(ctx.log, outcome, results);
    return results;
  }

 private:
  // The chip of `root` for `topology`; it must be able to train.
  static arch::ChipSpec training_chip(const Params& root, const arch::Topology& topology) {
    arch::ChipSpec s = arch::ChipSpec::from_params(root.child("arch"), root.child("device"), topology);
    if (!s.trainable()) {
      root.child("arch").fail("backward_dac", "a signed DAC card: in-situ training drives errors into the columns");
    }
    for (const int copies : s.copies) {
      if (copies > 1) {
        root.child("arch").fail("weight_duplication", "1 for in-situ training",
                                "the update rules program one copy of each weight");
      }
    }
    return s;
  }

  std::uint64_t seed_;
  DataSpec data_;
  NetworkSpec network_;
  arch::ChipSpec chip_spec_;
  TrainingSpec training_;
  InsituTrainingSpec insitu_;
  SimulationSpec simulation_;
  std::unique_ptr<UpdateRule> rule_;
  std::unique_ptr<Optimizer> bias_optimizer_;
};

}  // namespace

XBARSIM_REGISTER(ExperimentRegistry, "insitu_training", InsituTraining)

}  // namespace xbarsim::workloads
