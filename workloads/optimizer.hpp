// Gradient-descent optimizers for the networks' float parameters: SGD with momentum and Adam.
#pragma once

#include <Eigen/Dense>
#include <istream>
#include <memory>
#include <ostream>
#include <vector>

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
  // Checkpoint of the optimizer's state (binary, this build only). load() takes the sizes of the
  // tensors step() updates, in order: the state read must be of those sizes (finite), or empty
  // (saved before the first step); anything else fails the stream.
  virtual void save(std::ostream& out) const = 0;
  virtual void load(std::istream& in, const std::vector<Eigen::Index>& sizes) = 0;
};

// Binary (de)serialization of a list of vectors, for optimizer and trainer checkpoints.
void save_vectors(std::ostream& out, const std::vector<Eigen::VectorXf>& v);
void load_vectors(std::istream& in, std::vector<Eigen::VectorXf>& v);
// An optimizer's per-tensor state: nothing (saved before the first step) or one finite vector
// per tensor of `sizes`; otherwise the stream fails.
void load_state_vectors(std::istream& in, std::vector<Eigen::VectorXf>& v, const std::vector<Eigen::Index>& sizes);

using OptimizerRegistry = Registry<Optimizer>;

}  // namespace xbarsim::workloads
