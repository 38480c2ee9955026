// In-situ training on the simulated chip (Al Misba et al., arXiv:2111.07284; Hubara et al.,
// JMLR 2018; GXNOR and mixed-precision rules per device): every mini-batch runs forward through
// the tiles, back through the transposed arrays, computes weight gradients digitally, updates
// the latent state in the SRAM accumulator and programs only the devices that must change.
// Every action is counted per phase (forward, backward, update) and per epoch; a checkpoint at
// each epoch's end lets `xbarsim run --resume RUN_DIR` continue to the same result.
#include <chrono>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "arch/chip.hpp"
#include "core/error.hpp"
#include "core/report.hpp"
#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/energy_summary.hpp"
#include "workloads/experiment.hpp"
#include "workloads/fp32_trainer.hpp"
#include "workloads/mlp.hpp"
#include "workloads/network_spec.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

constexpr char kCheckpointMagic[8] = {'X', 'B', 'C', 'K', 'P', 'T', '0', '1'};

class InsituTraining final : public Experiment {
 public:
  InsituTraining(const Params& experiment, const Params& root)
      : seed_(static_cast<std::uint64_t>(experiment.integer_or("seed", 1, 0))),
        data_(DataSpec::from_params(root.child("data"))),
        network_(NetworkSpec::from_params(root.child("network"))),
        spec_(arch::ChipSpec::from_params(root.child("arch"), root.child("device"), network_.widths)) {
    const Params arch = root.child("arch");
    if (!spec_.trainable()) arch.fail("backward_dac", "a signed DAC card: in-situ training drives errors into the columns");
    const Params training = root.child("training");
    epochs_ = static_cast<int>(training.integer("epochs", 1, 1000));
    batch_size_ = static_cast<int>(training.integer("batch_size", 1, 10000));
    lr_decay_ = training.real_or("learning_rate_decay", 1.0, 0.0, 1.0);
    weight_gain_ = training.real_or("weight_gain", 1.0, 1e-3, 1e3);
    const Params optimizer = training.child("optimizer");
    rule_ = UpdateRuleRegistry::instance().create(training.child("update"), spec_, optimizer);
    bias_optimizer_ = OptimizerRegistry::instance().create(optimizer);
    const Params digital = training.child_or_empty("digital");
    energy_per_mac_ = digital.quantity_or("energy_per_mac", units::Dimension::kEnergy, "1.5 pJ", 0.0, 1e-6);
    energy_per_weight_update_ =
        digital.quantity_or("energy_per_weight_update", units::Dimension::kEnergy, "1.5 pJ", 0.0, 1e-6);
    test_batch_ = static_cast<int>(root.child_or_empty("simulation").integer_or("batch_images", 250, 1, 10000));
    // The accumulator must hold every latent weight with its optimizer state.
    std::int64_t weights = 0;
    for (std::size_t l = 0; l + 1 < network_.widths.size(); ++l) {
      weights += std::int64_t{network_.widths[l]} * network_.widths[l + 1] + network_.widths[l + 1];
    }
    const std::int64_t words = weights * rule_->words_per_weight();
    if (words > spec_.accumulator->words()) {
      arch.child("accumulator").fail("capacity_bytes",
                                     fmt::format("room for {} words of {} bits ({} weights x {} words each)", words,
                                                 spec_.accumulator->word_bits(), weights, rule_->words_per_weight()));
    }
  }

  nlohmann::json run(RunContext& ctx) override {
    const auto t_start = std::chrono::steady_clock::now();
    const Dataset train = data_.load("train");
    const Dataset test = data_.load("t10k");
    network_.check_matches(train);
    const std::size_t n_layers = network_.widths.size() - 1;

    arch::Chip chip(spec_, ctx.ledger, seed_);
    if (!ctx.trace_file.empty()) chip.trace_to(ctx.trace_file.string());
    chip.declare_area();
    chip.declare_phases({"programming", "forward", "backward", "update", "inference"});
    declare_digital(ctx.ledger);

    Rng init_rng(seed_, 0);
    Rng shuffle_rng(seed_, 1);
    Rng rule_rng(seed_, 2);
    std::vector<Eigen::MatrixXf> w;
    rule_->initialize(network_.widths, init_rng, w);
    // Weight scale per layer: a normalized weight of 1 stands for sqrt(6 / fan_in) x gain, so
    // that weights spread over [-1, 1] keep the He variance 2 / fan_in (He et al., ICCV 2015).
    std::vector<float> scales;
    for (std::size_t l = 0; l < n_layers; ++l) {
      scales.push_back(static_cast<float>(weight_gain_ * std::sqrt(6.0 / network_.widths[l])));
      biases_.push_back(Eigen::VectorXf::Zero(network_.widths[l + 1]));
      bias_grads_.push_back(Eigen::VectorXf::Zero(network_.widths[l + 1]));
      grads_.push_back(Eigen::MatrixXf::Zero(network_.widths[l + 1], network_.widths[l]));
    }
    rule_->update_scales(scales);
    chip.set_scales_and_biases(scales, biases_);
    const arch::ProgramReport initial = chip.write_weights(w, "programming", false, devices::ProgramOptions{});

    // Resume: restore everything the epochs so far produced.
    int first_epoch = 1;
    nlohmann::json epochs = nlohmann::json::array();
    double sim_time = initial.time_s;
    std::uint64_t total_events = 0;
    std::uint64_t total_pulses = 0;
    const std::filesystem::path checkpoint = ctx.out_dir / "checkpoint.bin";
    if (ctx.resume) {
      first_epoch = load_checkpoint(checkpoint, chip, ctx.ledger, shuffle_rng, rule_rng, epochs, sim_time,
                                    total_events, total_pulses) + 1;
      rule_->update_scales(scales);
      chip.set_scales_and_biases(scales, biases_);
      if (ctx.log != nullptr) fmt::print(ctx.log, "resuming after epoch {} from {}\n", first_epoch - 1, checkpoint.string());
    }

    CsvTable table(ctx.out_dir / "epochs.csv",
                   {"epoch", "learning_rate", "train_loss", "train_accuracy_pct", "test_accuracy_pct",
                    "program_events", "pulses", "programming_energy_pJ", "training_energy_pJ",
                    "simulated_time_s", "wall_time_s"});
    for (const auto& e : epochs) table.row(epoch_row(e));

    std::vector<std::size_t> order(train.count);
    std::iota(order.begin(), order.end(), std::size_t{0});
    Eigen::MatrixXf x;
    std::vector<std::uint8_t> labels;
    std::vector<Eigen::MatrixXf> inputs, errors;
    std::vector<ParamRef> bias_refs;
    for (std::size_t l = 0; l < n_layers; ++l) {
      bias_refs.push_back({Eigen::Map<Eigen::VectorXf>(biases_[l].data(), biases_[l].size()),
                           Eigen::Map<const Eigen::VectorXf>(bias_grads_[l].data(), bias_grads_[l].size())});
    }
    const Eigen::MatrixXf test_images = Eigen::Map<const Eigen::MatrixXf>(
        test.image(0), static_cast<Eigen::Index>(test.features), static_cast<Eigen::Index>(test.count));
    double final_test = epochs.empty() ? 0.0 : epochs.back()["test_accuracy_pct"].get<double>();
    long long inference_latency = 0;

    for (int epoch = first_epoch; epoch <= epochs_; ++epoch) {
      const auto t_epoch = std::chrono::steady_clock::now();
      // Computed, not accumulated, so that a resumed run uses the very same value.
      const double lr = rule_lr() * std::pow(lr_decay_, epoch - 1);
      const double prog_before = breakdown(ctx.ledger, "update").by_component_pJ["cells"] +
                                 breakdown(ctx.ledger, "update").by_component_pJ["write_driver"];
      const double train_before = training_energy_pJ(ctx.ledger);
      // A fresh permutation of 0..N-1 every epoch (from the checkpointed stream, so a resumed
      // run shuffles exactly as an uninterrupted one).
      std::iota(order.begin(), order.end(), std::size_t{0});
      for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle_rng.index(i)]);
      double loss_sum = 0.0;
      std::size_t correct = 0;
      std::uint64_t events = 0, pulses = 0;
      ctx.progress->start(fmt::format("epoch {}/{} in situ", epoch, epochs_), train.count);
      for (std::size_t start = 0; start < train.count; start += static_cast<std::size_t>(batch_size_)) {
        const auto n = static_cast<Eigen::Index>(std::min<std::size_t>(static_cast<std::size_t>(batch_size_), train.count - start));
        gather_batch(train, order, start, n, x, labels);
        // Forward through the tiles; softmax cross-entropy error at the logits (digital).
        const Eigen::MatrixXf logits = chip.forward(x, inputs);
        sim_time += static_cast<double>(chip.last_job_cycles()) / spec_.clock;
        Eigen::MatrixXf delta = Mlp::softmax(logits);
        for (Eigen::Index j = 0; j < n; ++j) {
          Eigen::Index best = 0;
          logits.col(j).maxCoeff(&best);
          const auto y = static_cast<Eigen::Index>(labels[static_cast<std::size_t>(j)]);
          correct += best == y;
          loss_sum -= std::log(std::max(static_cast<double>(delta(y, j)), 1e-30));
          delta(y, j) -= 1.0F;
        }
        delta /= static_cast<float>(n);
        ctx.ledger.add(softmax_error_, static_cast<std::uint64_t>(delta.size()));
        // Backward through the transposed arrays.
        chip.backward(delta, inputs, errors);
        sim_time += static_cast<double>(chip.last_job_cycles()) / spec_.clock;
        // Digital gradients with respect to the normalized weights: alpha_l x e_l x_l^T.
        for (std::size_t l = 0; l < n_layers; ++l) {
          grads_[l].noalias() = errors[l] * inputs[l].transpose();
          grads_[l] *= scales[l];
          bias_grads_[l] = errors[l].rowwise().sum();
          ctx.ledger.add(gradient_mac_[l], static_cast<std::uint64_t>(grads_[l].size()) * static_cast<std::uint64_t>(n));
          ctx.ledger.add(weight_update_[l], static_cast<std::uint64_t>(grads_[l].size()) * rule_->ops_per_weight() +
                                                static_cast<std::uint64_t>(biases_[l].size()));
          const auto words = static_cast<std::uint64_t>(grads_[l].size() + biases_[l].size()) *
                             static_cast<std::uint64_t>(rule_->words_per_weight());
          ctx.ledger.add(acc_read_, words);
          ctx.ledger.add(acc_write_, words);
        }
        const arch::ProgramReport r = rule_->apply(chip, grads_, lr, rule_rng);
        bias_optimizer_->step(bias_refs, static_cast<float>(lr));
        rule_->update_scales(scales);
        chip.set_scales_and_biases(scales, biases_);
        sim_time += r.time_s;
        events += r.tally.program_events;
        pulses += r.tally.pulses;
        ctx.progress->update(start + static_cast<std::size_t>(n));
      }
      ctx.progress->finish();
      total_events += events;
      total_pulses += pulses;
      // Test accuracy on the chip (phase "inference"), with the ranges training left.
      ctx.progress->start(fmt::format("epoch {}/{} test", epoch, epochs_), test.count);
      const arch::InferenceReport inf = chip.infer(test_images, test_batch_, ctx.progress);
      ctx.progress->finish();
      inference_latency = inf.latency_cycles;
      final_test = accuracy_of(inf.logits, test);
      const double prog_after = breakdown(ctx.ledger, "update").by_component_pJ["cells"] +
                                breakdown(ctx.ledger, "update").by_component_pJ["write_driver"];
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_epoch).count();
      nlohmann::json e = {{"epoch", epoch},
                          {"learning_rate", lr},
                          {"train_loss", loss_sum / static_cast<double>(train.count)},
                          {"train_accuracy_pct", 100.0 * static_cast<double>(correct) / static_cast<double>(train.count)},
                          {"test_accuracy_pct", final_test},
                          {"program_events", events},
                          {"pulses", pulses},
                          {"programming_energy_pJ", prog_after - prog_before},
                          {"training_energy_pJ", training_energy_pJ(ctx.ledger) - train_before},
                          {"simulated_time_s", sim_time}};
      epochs.push_back(e);
      nlohmann::json row = e;
      row["wall_time_s"] = wall;
      table.row(epoch_row(row));
      ctx.wallclock["epochs_s"].push_back(wall);
      if (ctx.log != nullptr) {
        fmt::print(ctx.log,
                   "epoch {:>3}/{}: train loss {:.4f}, train {:.2f} %, test {:.2f} %, {} program events, {:.4g} pJ programming, {:.1f} s\n",
                   epoch, epochs_, e["train_loss"].get<double>(), e["train_accuracy_pct"].get<double>(), final_test,
                   events, e["programming_energy_pJ"].get<double>(), wall);
        std::fflush(ctx.log);
      }
      save_checkpoint(checkpoint, epoch, chip, ctx.ledger, shuffle_rng, rule_rng, epochs, sim_time, total_events,
                      total_pulses);
      if (ctx.stop_after_epoch > 0 && epoch == ctx.stop_after_epoch && epoch < epochs_) {
        ctx.interrupted = fmt::format("stopped after epoch {} as asked (--stop-after-epoch); continue with "
                                      "xbarsim run --resume {}", epoch, ctx.out_dir.string());
        return {};
      }
    }
    table.close();
    // Software evaluation of the very weights the devices hold (fp32 arithmetic, no converters).
    Mlp held(network_.widths);
    held.weights() = chip.held_weights();
    held.biases() = biases_;
    held_accuracy_ = evaluate_accuracy(held, test);
    return report(ctx, chip, train, test, epochs, sim_time, total_events, total_pulses, final_test, inference_latency,
                  t_start);
  }

 private:
  static double accuracy_of(const Eigen::MatrixXf& logits, const Dataset& d) {
    std::vector<int> predicted;
    Mlp::argmax(logits, predicted);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == d.labels[i];
    return 100.0 * static_cast<double>(correct) / static_cast<double>(d.count);
  }

  static std::vector<std::string> epoch_row(const nlohmann::json& e) {
    return {std::to_string(e["epoch"].get<int>()), fmt::format("{:.6g}", e["learning_rate"].get<double>()),
            fmt::format("{:.6f}", e["train_loss"].get<double>()), fmt::format("{:.3f}", e["train_accuracy_pct"].get<double>()),
            fmt::format("{:.3f}", e["test_accuracy_pct"].get<double>()), std::to_string(e["program_events"].get<std::uint64_t>()),
            std::to_string(e["pulses"].get<std::uint64_t>()), fmt::format("{:.6g}", e["programming_energy_pJ"].get<double>()),
            fmt::format("{:.6g}", e["training_energy_pJ"].get<double>()), fmt::format("{:.6g}", e["simulated_time_s"].get<double>()),
            fmt::format("{:.3f}", e.value("wall_time_s", 0.0))};
  }

  double rule_lr() const { return bias_optimizer_->learning_rate(); }

  void declare_digital(Ledger& ledger) {
    for (std::size_t l = 0; l + 1 < network_.widths.size(); ++l) {
      const std::string base = fmt::format("update/layer{}/digital", l);
      gradient_mac_.push_back(ledger.declare(base, "gradient_mac", energy_per_mac_, "training.digital.energy_per_mac"));
      weight_update_.push_back(ledger.declare(base, "weight_update", energy_per_weight_update_,
                                              "training.digital.energy_per_weight_update"));
    }
    softmax_error_ = ledger.declare(fmt::format("backward/layer{}/digital", network_.widths.size() - 2), "softmax_error",
                                    energy_per_mac_, "training.digital.energy_per_mac (one per logit)");
    acc_read_ = ledger.declare("update/accumulator", "word_read", spec_.accumulator->read_energy_per_word(),
                               spec_.accumulator->read_energy_per_bit().source + " x word bits");
    acc_write_ = ledger.declare("update/accumulator", "word_write", spec_.accumulator->write_energy_per_word(),
                                spec_.accumulator->write_energy_per_bit().source + " x word bits");
  }

  static double training_energy_pJ(const Ledger& ledger) {
    return (ledger.energy_J("forward") + ledger.energy_J("backward") + ledger.energy_J("update")) * 1e12;
  }

  void save_checkpoint(const std::filesystem::path& file, int epoch, const arch::Chip& chip, const Ledger& ledger,
                       const Rng& shuffle, const Rng& rule_rng, const nlohmann::json& epochs, double sim_time,
                       std::uint64_t events, std::uint64_t pulses) const {
    std::ostringstream out(std::ios::binary);
    out.write(kCheckpointMagic, sizeof kCheckpointMagic);
    out.write(reinterpret_cast<const char*>(&epoch), sizeof epoch);
    out.write(reinterpret_cast<const char*>(&sim_time), sizeof sim_time);
    out.write(reinterpret_cast<const char*>(&events), sizeof events);
    out.write(reinterpret_cast<const char*>(&pulses), sizeof pulses);
    out << shuffle.engine() << '\n' << rule_rng.engine() << '\n';
    rule_->save(out);
    bias_optimizer_->save(out);
    save_vectors(out, biases_);
    chip.save_state(out);
    ledger.save(out);
    const std::string js = epochs.dump();
    const std::uint64_t len = js.size();
    out.write(reinterpret_cast<const char*>(&len), sizeof len);
    out << js;
    write_file_atomic(file, out.str());
  }

  int load_checkpoint(const std::filesystem::path& file, arch::Chip& chip, Ledger& ledger, Rng& shuffle, Rng& rule_rng,
                      nlohmann::json& epochs, double& sim_time, std::uint64_t& events, std::uint64_t& pulses) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DataError(fmt::format("{}: no checkpoint to resume from", file.string()));
    char magic[sizeof kCheckpointMagic];
    in.read(magic, sizeof magic);
    if (!in || std::memcmp(magic, kCheckpointMagic, sizeof magic) != 0) {
      throw DataError(fmt::format("{}: not an xbarsim checkpoint", file.string()));
    }
    int epoch = 0;
    in.read(reinterpret_cast<char*>(&epoch), sizeof epoch);
    in.read(reinterpret_cast<char*>(&sim_time), sizeof sim_time);
    in.read(reinterpret_cast<char*>(&events), sizeof events);
    in.read(reinterpret_cast<char*>(&pulses), sizeof pulses);
    in >> shuffle.engine();
    in.ignore(1);
    in >> rule_rng.engine();
    in.ignore(1);
    rule_->load(in);
    bias_optimizer_->load(in);
    load_vectors(in, biases_);
    chip.load_state(in);
    const bool ledger_ok = ledger.load(in);
    std::uint64_t len = 0;
    in.read(reinterpret_cast<char*>(&len), sizeof len);
    std::string js(len, '\0');
    in.read(js.data(), static_cast<std::streamsize>(len));
    if (!in || !ledger_ok) {
      throw DataError(fmt::format("{}: truncated checkpoint, or from another configuration", file.string()));
    }
    epochs = nlohmann::json::parse(js);
    return epoch;
  }

  nlohmann::json report(RunContext& ctx, const arch::Chip& chip, const Dataset& train, const Dataset& test,
                        const nlohmann::json& epochs, double sim_time, std::uint64_t events, std::uint64_t pulses,
                        double final_test, long long inference_latency,
                        std::chrono::steady_clock::time_point t_start) {
    // Buffer leakage over the simulated training time.
    const auto leak = ctx.ledger.declare("update/leakage", "buffer_leakage_ns", spec_.buffer->leakage_power() * 1e-9,
                                         spec_.buffer->leakage_per_bit().source + " x capacity x 1 ns");
    ctx.ledger.add(leak, static_cast<std::uint64_t>(std::llround(sim_time * 1e9)));
    const double images_trained = static_cast<double>(train.count) * epochs_;
    const double inferences = static_cast<double>(test.count) * epochs_;
    EnergyBreakdown per_train;
    for (const char* phase : {"forward", "backward", "update"}) {
      const EnergyBreakdown b = breakdown(ctx.ledger, phase);
      per_train.total_pJ += b.total_pJ;
      for (const auto& [k, v] : b.by_component_pJ) per_train.by_component_pJ[k] += v;
      for (const auto& [k, v] : b.by_layer_pJ) per_train.by_layer_pJ[k] += v;
    }
    const EnergyBreakdown upd = breakdown(ctx.ledger, "update");
    const double programming_pJ = upd.by_component_pJ.count("cells") ? upd.by_component_pJ.at("cells") : 0.0;
    const double driver_pJ = upd.by_component_pJ.count("write_driver") ? upd.by_component_pJ.at("write_driver") : 0.0;
    const EnergyBreakdown inf = breakdown(ctx.ledger, "inference");
    // The update phase's device rows, straight from the ledger: pulses of every width (GXNOR
    // chooses widths, so there may be several pulse actions) and verify reads.
    std::uint64_t ledger_pulses = 0, verify_reads = 0;
    double pulse_pJ = 0.0, verify_pJ = 0.0;
    for (const auto& row : ctx.ledger.energy_rows()) {
      const std::string& c = row.action->component;
      if (!component_under(c, "update") || !c.ends_with("/cells")) continue;
      if (row.action->action.rfind("program_pulse", 0) == 0) {
        ledger_pulses += row.count;
        pulse_pJ += row.energy_J() * 1e12;
      } else if (row.action->action == "verify_read") {
        verify_reads += row.count;
        verify_pJ += row.energy_J() * 1e12;
      }
    }
    nlohmann::json area_by = nlohmann::json::object();
    for (const auto& a : ctx.ledger.area_rows()) {
      const std::string k = a.component.substr(a.component.rfind('/') + 1);
      area_by[k] = area_by.value(k, 0.0) + a.area_m2() * 1e12;
    }
    nlohmann::json summary = {
        {"test_accuracy_pct", final_test},
        {"software_same_weights_accuracy_pct", held_accuracy_},
        {"latency_per_inference_cycles", inference_latency},
        {"latency_per_inference_ns", static_cast<double>(inference_latency) / spec_.clock * 1e9},
        {"energy_per_inference_pJ", breakdown_json(inf, inferences)},
        {"energy_per_training_image_pJ", breakdown_json(per_train, images_trained)},
        {"programming_energy_pJ", programming_pJ + driver_pJ},
        {"area_um2", {{"total", ctx.ledger.area_m2() * 1e12}, {"by_component", area_by}}}};
    nlohmann::json programming = {
        {"program_events", events},
        {"pulses", pulses},
        {"device_energy_pJ", programming_pJ},
        {"pulse_energy_pJ", pulse_pJ},
        {"mean_energy_per_pulse_pJ", ledger_pulses > 0 ? pulse_pJ / static_cast<double>(ledger_pulses) : 0.0},
        {"verify_reads", verify_reads},
        {"verify_energy_pJ", verify_pJ},
        {"write_driver_energy_pJ", driver_pJ},
        {"per_training_image_pJ", (programming_pJ + driver_pJ) / images_trained},
        {"per_test_inference_pJ", (programming_pJ + driver_pJ) / static_cast<double>(test.count)},
        {"derivation",
         fmt::format("{} pulses x {:.6g} pJ (mean per pulse) = {:.6g} pJ, + {} verify reads = {:.6g} pJ, + write-driver "
                     "line charging {:.6g} pJ = {:.6g} pJ; per training image: / ({} images x {} epochs); per "
                     "inference: / {} test images",
                     ledger_pulses, ledger_pulses > 0 ? pulse_pJ / static_cast<double>(ledger_pulses) : 0.0, pulse_pJ,
                     verify_reads, verify_pJ, driver_pJ, programming_pJ + driver_pJ, train.count, epochs_,
                     test.count)},
        {"initial_write_pJ", breakdown(ctx.ledger, "programming").total_pJ}};
    ctx.wallclock["total_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (ctx.log != nullptr) {
      fmt::print(ctx.log, "\nin-situ {} on {} tiles: test accuracy {:.2f} % (software on the held weights {:.2f} %)\n",
                 spec_.device->name(), chip.tile_count(), final_test, held_accuracy_);
      fmt::print(ctx.log, "programming: {} events, {} pulses, {:.6g} pJ ({:.4g} pJ per training image, {:.4g} pJ per test inference)\n",
                 events, pulses, programming_pJ + driver_pJ, (programming_pJ + driver_pJ) / images_trained,
                 (programming_pJ + driver_pJ) / static_cast<double>(test.count));
      fmt::print(ctx.log, "energy per training image {:.6g} pJ; per inference {:.6g} pJ\n", per_train.total_pJ / images_trained,
                 inf.total_pJ / inferences);
    }
    return {{"summary", summary},
            {"epochs", epochs},
            {"programming", programming},
            {"energy_per_training_image_pJ", breakdown_json(per_train, images_trained)},
            {"energy_by_phase_pJ", {{"programming", breakdown(ctx.ledger, "programming").total_pJ},
                                    {"forward", breakdown(ctx.ledger, "forward").total_pJ},
                                    {"backward", breakdown(ctx.ledger, "backward").total_pJ},
                                    {"update", upd.total_pJ},
                                    {"inference", inf.total_pJ}}},
            {"timing", {{"clock_hz", spec_.clock}, {"simulated_training_time_s", sim_time}}},
            {"chip", {{"tiles", chip.tile_count()}, {"adcs", chip.adc_count()}, {"device", std::string(spec_.device->name())}}}};
  }

  std::uint64_t seed_;
  DataSpec data_;
  NetworkSpec network_;
  arch::ChipSpec spec_;
  int epochs_ = 1;
  int batch_size_ = 100;
  double lr_decay_ = 1.0;
  double weight_gain_ = 1.0;
  std::unique_ptr<UpdateRule> rule_;
  std::unique_ptr<Optimizer> bias_optimizer_;
  double energy_per_mac_ = 0.0;
  double energy_per_weight_update_ = 0.0;
  int test_batch_ = 250;
  double held_accuracy_ = 0.0;
  std::vector<Eigen::VectorXf> biases_, bias_grads_;
  std::vector<Eigen::MatrixXf> grads_;
  std::vector<Ledger::Counter> gradient_mac_, weight_update_;
  Ledger::Counter softmax_error_{}, acc_read_{}, acc_write_{};
};

}  // namespace

XBARSIM_REGISTER(ExperimentRegistry, "insitu_training", InsituTraining)

}  // namespace xbarsim::workloads
