#include "workloads/specs.hpp"

namespace xbarsim::workloads {

ExperimentSpec ExperimentSpec::from_params(const Params& experiment, const std::vector<std::string>& impls) {
  ExperimentSpec s;
  s.name = experiment.string("name");
  s.seed = static_cast<std::uint64_t>(experiment.integer_or("seed", 1, 0));
  s.impl = experiment.choice("impl", impls);
  return s;
}

TrainingSpec TrainingSpec::from_params(const Params& training, std::int64_t max_batch_size) {
  TrainingSpec s{.epochs = static_cast<int>(training.integer("epochs", 1, 1000)),
                 .batch_size = static_cast<int>(training.integer("batch_size", 1, max_batch_size)),
                 .learning_rate_decay = training.real_or("learning_rate_decay", 1.0, 0.0, 1.0),
                 .optimizer = training.child("optimizer")};
  (void)s.make_optimizer();  // checks the section now, before anything runs
  return s;
}

std::unique_ptr<Optimizer> TrainingSpec::make_optimizer() const {
  return OptimizerRegistry::instance().create(optimizer);
}

DeviceAwareSpec DeviceAwareSpec::from_params(const Params& training) {
  DeviceAwareSpec s;
  const std::optional<Params> p = training.child_if("device_aware");
  if (!p) return s;
  s.noise_scale = p->real_or("noise_scale", 1.0, 0.0, 100.0);
  s.scale_rule = p->choice_or("scale", {"least_squares", "max_abs"}, "least_squares") == "max_abs"
                     ? ScaleRule::kMaxAbs
                     : ScaleRule::kLeastSquares;
  s.scale_iterations = static_cast<int>(p->integer_or("scale_iterations", 2, 1, 100));
  s.enabled = p->boolean_or("enabled", true);
  return s;
}

InsituTrainingSpec InsituTrainingSpec::from_params(const Params& training) {
  const double gain = training.real_or("weight_gain", 1.0, 1e-3, 1e3);
  const Params update = training.child("update");
  const Params digital = training.child_or_empty("digital");
  return {.weight_gain = gain,
          .energy_per_mac = digital.quantity_or("energy_per_mac", units::Dimension::kEnergy, "1.5 pJ", 0.0, 1e-6),
          .energy_per_weight_update =
              digital.quantity_or("energy_per_weight_update", units::Dimension::kEnergy, "1.5 pJ", 0.0, 1e-6),
          .update = update};
}

SimulationSpec SimulationSpec::from_params(const Params& root) {
  return {.batch_images =
              static_cast<int>(root.child_or_empty("simulation").integer_or("batch_images", 250, 1, 10000))};
}

}  // namespace xbarsim::workloads
