// Fuzz target: the IDX reader (workloads/idx.cpp), plain or gzip, both the full read and the
// header-only check run before a run folder is made. Accepted outcomes: a tensor whose data
// holds exactly the bytes its dimensions promise, or DataError.
#include <cstdint>
#include <cstdlib>

#include "core/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = xbarsim::fuzz::scratch_dir() / "input.idx";
  xbarsim::fuzz::write_bytes(file, data, size);
  (void)xbarsim::fuzz::as_the_cli_would([&] {
    const auto dims = xbarsim::workloads::read_idx_dims(file);
    const xbarsim::workloads::IdxTensor t = xbarsim::workloads::read_idx(file);
    std::size_t count = 1;
    for (const std::uint32_t d : t.dims) count *= d;
    if (t.dims != dims || t.data.size() != count) std::abort();  // the two readers must agree
  });
  return 0;
}
