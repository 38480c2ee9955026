// weights.bin: the fp32 network's weights and biases, written by fp32 training and read by the
// experiments that map them onto hardware. Little-endian: "XBW1", layer count, then per layer
// rows, cols (int32), rows x cols weights (float32, column-major), rows biases.
#pragma once

#include <filesystem>

#include "workloads/network.hpp"

namespace xbarsim::workloads {

void save_weights(const std::filesystem::path& file, const Network& net);
// Loads into `net`, whose widths must match. Throws DataError naming the file on any mismatch.
void load_weights(const std::filesystem::path& file, Network& net);

}  // namespace xbarsim::workloads
