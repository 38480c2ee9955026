// The energy identity on a training report: a tiny in-situ run (random data, 2 epochs) whose
// report must have every total equal to the sum of its parts - energy per training image over
// components and over layers, the phases over the ledger, and the programming derivation
// (pulses x energy per pulse). One chip per process: one test.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/rng.hpp"
#include "workloads/idx.hpp"
#include "workloads/run.hpp"

namespace xbarsim::workloads {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace insitu_accounting_sim {
namespace {

void make_split(const std::filesystem::path& dir, const std::string& split, std::uint32_t n) {
  Rng rng(7, n);
  IdxTensor img{{n, 28, 28}, std::vector<std::uint8_t>(std::size_t{n} * 784)};
  IdxTensor lab{{n}, std::vector<std::uint8_t>(n)};
  for (auto& b : img.data) b = static_cast<std::uint8_t>(rng.index(256));
  for (std::uint32_t i = 0; i < n; ++i) lab.data[i] = static_cast<std::uint8_t>(i % 10);
  write_idx(dir / (split + "-images-idx3-ubyte"), img);
  write_idx(dir / (split + "-labels-idx1-ubyte"), lab);
}

double sum_of(const nlohmann::json& j) {
  double s = 0.0;
  for (const auto& [k, v] : j.items()) s += v.get<double>();
  return s;
}

TEST(InsituAccounting, EveryTotalIsTheSumOfItsParts) {
  const auto dir = std::filesystem::temp_directory_path() / "xbarsim_insitu_accounting";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "data");
  make_split(dir / "data", "train", 120);
  make_split(dir / "data", "t10k", 40);

  Params root = Params::from_file(std::string(XBARSIM_SOURCE_DIR) + "/configs/experiments/mnist_insitu_dw5.yaml");
  root.apply_override("data.dir=" + (dir / "data").string());
  root.apply_override("network.layers=[784, 20, 10]");
  root.apply_override("training.epochs=2");
  root.apply_override("training.batch_size=30");
  root.apply_override("simulation.batch_images=20");
  PreparedExperiment p = prepare_experiment(root);
  Progress progress(nullptr, true);
  execute(p, root, dir / "run", progress, nullptr);

  std::ifstream in(dir / "run" / "report.json");
  const nlohmann::json r = nlohmann::json::parse(in);
  const auto& per_image = r["summary"]["energy_per_training_image_pJ"];
  const double total = per_image["total"].get<double>();
  ASSERT_GT(total, 0.0);
  EXPECT_NEAR(sum_of(per_image["by_component"]), total, 1e-9 * total);
  EXPECT_NEAR(sum_of(per_image["by_layer"]), total, 1e-9 * total);
  const auto& inf = r["summary"]["energy_per_inference_pJ"];
  EXPECT_NEAR(sum_of(inf["by_component"]), inf["total"].get<double>(), 1e-9 * inf["total"].get<double>());

  // Phases: forward + backward + update = energy per training image x images x epochs.
  const auto& phases = r["results"]["energy_by_phase_pJ"];
  const double training =
      phases["forward"].get<double>() + phases["backward"].get<double>() + phases["update"].get<double>();
  EXPECT_NEAR(training, total * 120 * 2, 1e-9 * training);
  // The ledger tree's root is the sum of every phase.
  EXPECT_NEAR(r["energy"]["energy_pJ"].get<double>(), sum_of(phases), 1e-9 * sum_of(phases));

  // Programming: the update rule's tallies and the ledger's rows agree. energy.csv rows
  // update/.../cells,program_pulse: their counts sum to the reported pulses, their energies to
  // pulses x the DW's energy per event.
  const auto& prog = r["results"]["programming"];
  std::ifstream energy(dir / "run" / "energy.csv");
  std::string row;
  std::getline(energy, row);
  EXPECT_EQ(row, "path,action,count,energy_per_action_pJ,energy_pJ,source,schema_version");
  std::uint64_t pulses = 0;
  double pulse_pJ = 0.0;
  while (std::getline(energy, row)) {
    std::stringstream ss(row);
    std::string path, action, count, epa, e;
    std::getline(ss, path, ',');
    std::getline(ss, action, ',');
    std::getline(ss, count, ',');
    std::getline(ss, epa, ',');
    std::getline(ss, e, ',');
    // Every row is count x energy per action (to the 9 significant digits written).
    EXPECT_NEAR(std::stod(e), std::stod(count) * std::stod(epa), 1e-8 * std::max(1.0, std::stod(e))) << row;
    if (path.rfind("update/", 0) == 0 && action == "program_pulse") {
      pulses += std::stoull(count);
      pulse_pJ += std::stod(e);
    }
  }
  EXPECT_EQ(pulses, prog["pulses"].get<std::uint64_t>());
  // The 5-state DW card charges 3 fJ per programming event: pulses x 0.003 pJ.
  EXPECT_NEAR(pulse_pJ, static_cast<double>(pulses) * 0.003, 1e-6 * pulse_pJ);
  EXPECT_NEAR(prog["pulse_energy_pJ"].get<double>(), pulse_pJ, 1e-6 * pulse_pJ);
  // Device energy = pulses + verify reads.
  EXPECT_NEAR(prog["device_energy_pJ"].get<double>(),
              prog["pulse_energy_pJ"].get<double>() + prog["verify_energy_pJ"].get<double>(),
              1e-9 * prog["device_energy_pJ"].get<double>());
  EXPECT_GT(prog["program_events"].get<std::uint64_t>(), 0u);
  // epochs.csv: header and one row per epoch, program events per epoch summing to the total.
  std::ifstream csv(dir / "run" / "epochs.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_NE(line.find("program_events"), std::string::npos);
  std::uint64_t events = 0;
  int rows = 0;
  while (std::getline(csv, line)) {
    std::stringstream ss(line);
    std::string field;
    for (int i = 0; i <= 5; ++i) std::getline(ss, field, ',');
    events += std::stoull(field);
    ++rows;
  }
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(events, prog["program_events"].get<std::uint64_t>());

  // Simulated time (docs/arch/timing.md): the run's total is the sum of its shares, and so is the
  // time per training image. The accumulator's share by hand: per batch, layer 0 reads and writes
  // back (20 x 784 + 20) x 3 words (latent weight and Adam's two moments) = 47,100 16-bit words
  // through one port of 8 banks, ceil(47,100 / 8) + 1 - 1 = 5,888 cycles each way; layer 1
  // (10 x 20 + 10) x 3 = 630 words, ceil(630 / 8) = 79 cycles; 2 x (5,888 + 79) = 11,934 cycles
  // per batch at 1 GHz. 120 / 30 = 4 batches per epoch, 2 epochs: 8 x 11,934 ns over 240 images.
  const auto& split = r["results"]["timing"]["simulated_time_split_s"];
  EXPECT_NEAR(sum_of(split), r["results"]["timing"]["simulated_training_time_s"].get<double>(), 1e-12);
  const auto& tpi = r["summary"]["time_per_training_image_s"];
  const double image_s = tpi["total"].get<double>();
  EXPECT_NEAR(tpi["forward"].get<double>() + tpi["backward"].get<double>() + tpi["accumulator"].get<double>() +
                  tpi["programming"].get<double>() + tpi["verify"].get<double>(),
              image_s, 1e-9 * image_s);
  EXPECT_NEAR(tpi["accumulator"].get<double>(), 8 * 11934e-9 / 240, 1e-15);
  EXPECT_GT(tpi["forward"].get<double>(), 0.0);
  EXPECT_GT(tpi["backward"].get<double>(), 0.0);
  EXPECT_GT(tpi["programming"].get<double>(), 0.0);
  EXPECT_GT(tpi["verify"].get<double>(), 0.0);  // write-verify of the latent_ste rule

  // Utilisation over the run: the accumulator's port is busy for its whole share of the time
  // (8 x 11,934 cycles over the run's total); the write drivers for the initial write, the
  // pulses and the verify reads; every fraction lies in [0, 1]; and each layer's bottleneck is
  // its busiest resource among its own (tiles, adders) and the shared ones.
  const auto& timing = r["results"]["timing"];
  const double run_s = timing["simulated_training_time_s"].get<double>();
  const auto& util = timing["utilisation"];
  EXPECT_NEAR(util["accumulator"].get<double>(), 8 * 11934e-9 / run_s, 1e-12);
  EXPECT_NEAR(
      util["write_drivers"].get<double>(),
      (split["initial_write"].get<double>() + split["programming"].get<double>() + split["verify"].get<double>()) /
          run_s,
      1e-12);
  for (const auto& [name, f] : util.items()) {
    EXPECT_GE(f.get<double>(), 0.0) << name;
    EXPECT_LE(f.get<double>(), 1.0) << name;
  }
  const auto& bottleneck = timing["bottleneck"];
  ASSERT_EQ(bottleneck.size(), 2u);
  for (int l = 0; l < 2; ++l) {
    const std::string own = fmt::format("layer{}/", l);
    double best = 0.0;
    for (const auto& [name, f] : util.items()) {
      if (name.rfind("layer", 0) != 0 || name.rfind(own, 0) == 0) best = std::max(best, f.get<double>());
    }
    EXPECT_DOUBLE_EQ(util[bottleneck[l].get<std::string>()].get<double>(), best) << "layer " << l;
  }
}

}  // namespace
}  // namespace insitu_accounting_sim
}  // namespace xbarsim::workloads
