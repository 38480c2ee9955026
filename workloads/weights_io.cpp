#include "workloads/weights_io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/report.hpp"

namespace xbarsim::workloads {

void save_weights(const std::filesystem::path& file, const Network& net) {
  std::string bytes = "XBW1";
  auto put = [&bytes](const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); };
  const auto layers = static_cast<std::int32_t>(net.layers());
  put(&layers, 4);
  for (std::size_t l = 0; l < net.layers(); ++l) {
    const auto& w = net.weights()[l];
    const auto rows = static_cast<std::int32_t>(w.rows());
    const auto cols = static_cast<std::int32_t>(w.cols());
    put(&rows, 4);
    put(&cols, 4);
    put(w.data(), static_cast<std::size_t>(w.size()) * sizeof(float));
    put(net.biases()[l].data(), static_cast<std::size_t>(rows) * sizeof(float));
  }
  write_file_atomic(file, bytes);
}

void load_weights(const std::filesystem::path& file, Network& net) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open weights file", file.string()));
  auto get = [&](void* p, std::size_t n, const char* what) {
    if (!in.read(static_cast<char*>(p), static_cast<std::streamsize>(n))) {
      throw DataError(fmt::format("{}: truncated weights file (reading {})", file.string(), what));
    }
  };
  char magic[4];
  get(magic, 4, "magic");
  if (std::memcmp(magic, "XBW1", 4) != 0) {
    throw DataError(fmt::format("{}: not an xbarsim weights file (magic is not XBW1)", file.string()));
  }
  std::int32_t layers = 0;
  get(&layers, 4, "layer count");
  if (layers != static_cast<std::int32_t>(net.layers())) {
    throw DataError(fmt::format("{}: {} layers, the network has {}", file.string(), layers, net.layers()));
  }
  for (std::size_t l = 0; l < net.layers(); ++l) {
    std::int32_t rows = 0, cols = 0;
    get(&rows, 4, "rows");
    get(&cols, 4, "cols");
    auto& w = net.weights()[l];
    if (rows != w.rows() || cols != w.cols()) {
      throw DataError(fmt::format("{}: layer {} is {} x {}, the network needs {} x {}", file.string(), l, rows, cols,
                                  w.rows(), w.cols()));
    }
    get(w.data(), static_cast<std::size_t>(w.size()) * sizeof(float), "weights");
    get(net.biases()[l].data(), static_cast<std::size_t>(rows) * sizeof(float), "biases");
    const auto finite = [&](const auto& array, const char* what) {
      for (Eigen::Index j = 0; j < array.cols(); ++j) {
        for (Eigen::Index i = 0; i < array.rows(); ++i) {
          if (!std::isfinite(array(i, j))) {
            throw DataError(fmt::format("{}: layer {} {} ({}, {}) is {} (a finite number expected)", file.string(), l,
                                        what, i, j, array(i, j)));
          }
        }
      }
    };
    finite(w, "weight");
    finite(net.biases()[l], "bias");
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    throw DataError(fmt::format("{}: unexpected trailing bytes", file.string()));
  }
}

}  // namespace xbarsim::workloads
