// Seeded random streams: the same (seed, stream) gives the same numbers, bit for bit, on every
// platform (std::mt19937_64 and Boost.Random's distributions are specified algorithms, unlike
// the std:: distributions).
#pragma once

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cstdint>
#include <random>

namespace xbarsim {

// One independent random stream. Models draw from the stream of the object they belong to
// (one per tile, one per trainer...) so that adding a model does not shift another's numbers.
class Rng {
 public:
  // `stream` separates independent streams derived from one experiment seed.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) { reseed(seed, stream); }

  void reseed(std::uint64_t seed, std::uint64_t stream) {
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                      static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)};
    engine_.seed(seq);
  }

  // Uniform in [0, 1).
  double uniform() { return uniform_(engine_); }
  // Standard normal N(0, 1).
  double normal() { return normal_(engine_); }
  // Uniform integer in [0, n), n > 0.
  std::uint64_t index(std::uint64_t n) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_);
  }
  // True with probability p.
  bool bernoulli(double p) { return uniform() < p; }

  std::mt19937_64& engine() { return engine_; }
  const std::mt19937_64& engine() const { return engine_; }

 private:
  std::mt19937_64 engine_;
  boost::random::uniform_01<double> uniform_;
  boost::random::normal_distribution<double> normal_;
};

}  // namespace xbarsim
