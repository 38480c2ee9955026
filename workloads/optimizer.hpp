// Gradient-descent optimizers for the networks' float parameters: SGD with momentum and Adam.
#pragma once

#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "core/params.hpp"
#include "core/registry.hpp"

namespace xbarsim::workloads {

// One parameter tensor and its gradient, flattened (views; the optimizer keeps its own state
// per tensor, in the order given on the first step).
struct ParamRef {
  Eigen::Map<Eigen::VectorXf> value;
  Eigen::Map<const Eigen::VectorXf> grad;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies one update with learning rate `lr` (multiplies the configured base rate schedule
  // already applied by the caller). The same tensors, in the same order, at every call.
  virtual void step(std::vector<ParamRef>& params, float lr) = 0;
  // The configured base learning rate.
  virtual double learning_rate() const = 0;
};

using OptimizerRegistry = Registry<Optimizer>;

}  // namespace xbarsim::workloads
