// The experiment-level sections of a configuration, each read and checked once into a plain
// struct that the experiment passes down: `experiment:`, `training:` (the loop's keys, and the
// keys only device-aware or in-situ training reads), `simulation:`. `data:` and `network:` are
// DataSpec (workloads/dataset.hpp) and NetworkSpec (workloads/network_spec.hpp); `arch:` and
// `device:` are arch::ChipSpec. Every key is read by exactly one function here (checked for the
// shipped experiments by tests/unit/workloads/key_claims_test.cpp); an implementation selected
// by `impl:` (optimizer, update rule) reads its own keys.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "workloads/optimizer.hpp"

namespace xbarsim::workloads {

// `experiment:` name, impl and seed.
struct ExperimentSpec {
  std::string name;
  std::string impl;        // one of `impls`
  std::uint64_t seed = 1;  // every random stream of the run derives from it

  static ExperimentSpec from_params(const Params& experiment, const std::vector<std::string>& impls);
};

// The keys of `training:` that every trainer's epoch loop uses.
struct TrainingSpec {
  int epochs = 1;                    // 1..1000
  int batch_size = 1;                // 1..max_batch_size
  double learning_rate_decay = 1.0;  // per epoch, 0..1
  Params optimizer;                  // the `training.optimizer` section

  // Reads epochs, batch_size (at most `max_batch_size`: the experiment's limit),
  // learning_rate_decay and checks `optimizer` by building it once.
  static TrainingSpec from_params(const Params& training, std::int64_t max_batch_size);

  // A fresh optimizer of `training.optimizer` (its keys are read by the optimizer itself, in
  // workloads/optimizer.cpp).
  std::unique_ptr<Optimizer> make_optimizer() const;
};

// How device-aware training chooses the per-layer scale alpha.
enum class ScaleRule {
  kLeastSquares,  // alpha = argmin ||W - alpha Q(W / alpha)||^2 (Lloyd iterations), capped so
                  // that the largest |W| lands on an end level (+-1)
  kMaxAbs,        // alpha = max |W| (what Chip::program does to unaware weights)
};

// `training.device_aware:` (tiled inference): ex-situ device-aware training
// (docs/training/exsitu.md).
struct DeviceAwareSpec {
  bool enabled = false;      // false also when the section is absent
  double noise_scale = 1.0;  // x the device's programming noise, 0..100
  ScaleRule scale_rule = ScaleRule::kLeastSquares;
  int scale_iterations = 2;  // Lloyd steps per mini-batch, 1..100

  // Reads every key of the section when present (a disabled section is checked as strictly as
  // an enabled one); an absent section gives the defaults, disabled.
  static DeviceAwareSpec from_params(const Params& training);
};

// The keys of `training:` that only in-situ training reads (the update rule reads
// `training.update` itself).
struct InsituTrainingSpec {
  double weight_gain = 1.0;               // a normalized weight of 1 is sqrt(6 / fan_in) x gain
  double energy_per_mac = 0.0;            // J, training.digital.energy_per_mac
  double energy_per_weight_update = 0.0;  // J, training.digital.energy_per_weight_update
  Params update;                          // the `training.update` section (for the rule)

  static InsituTrainingSpec from_params(const Params& training);
};

// `simulation:`.
struct SimulationSpec {
  int batch_images = 250;  // images per tile operation (one TLM transaction), 1..10000

  // Reads the section of `root` (absent: the defaults, recorded).
  static SimulationSpec from_params(const Params& root);
};

}  // namespace xbarsim::workloads
