// A quantile of a batch's current magnitudes from an evenly strided sample: what a tracking ADC
// takes as its range when arch.range_quantile < 1 (docs/training/insitu.md). No SystemC.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace xbarsim::arch {

// The q-quantile (0 < q < 1) of the nonzero |values| of `m`: the smallest sampled magnitude with
// at least a fraction q of the sampled nonzero magnitudes at or below it. The sample is every
// stride-th value of the column-major data, stride = ceil(size / max_sample) (plus one when that
// is a multiple of the column length, so that every output line is sampled), so it holds at most
// max_sample values and is the whole matrix when size <= max_sample. Exact zeros are left out
// (an ADC converts 0 to 0 whatever its range). Returns 0 when every sampled value is 0.
// `scratch` is reused (no allocation once it has grown to max_sample).
float abs_quantile(const Eigen::MatrixXf& m, float q, Eigen::Index max_sample, std::vector<float>& scratch);

}  // namespace xbarsim::arch
