// Fuzz target: the weights reader (workloads/weights_io.cpp) into a 16-8-4 network. Accepted
// outcomes: weights that are all finite, or DataError. With XBARSIM_FUZZ_SEEDS set, start-up
// writes a valid weights file of this network there as a seed.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/weights_io.hpp"

namespace {
const std::vector<int> kWidths = {16, 8, 4};
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const auto dir = xbarsim::fuzz::seed_dir(); !dir.empty()) {
    xbarsim::workloads::Network net(kWidths);
    xbarsim::Rng rng(1);
    for (auto& w : net.weights()) w = w.unaryExpr([&rng](float) { return static_cast<float>(rng.normal()); });
    xbarsim::workloads::save_weights(dir / "seed_16_8_4.bin", net);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = xbarsim::fuzz::scratch_dir() / "weights.bin";
  xbarsim::fuzz::write_bytes(file, data, size);
  xbarsim::workloads::Network net(kWidths);
  (void)xbarsim::fuzz::as_the_cli_would([&] {
    xbarsim::workloads::load_weights(file, net);
    for (const auto& w : net.weights()) {
      if (!w.allFinite()) std::abort();  // the reader promises finite weights
    }
    for (const auto& b : net.biases()) {
      if (!b.allFinite()) std::abort();
    }
  });
  return 0;
}
