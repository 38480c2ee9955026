// Reads IDX files (the MNIST format of LeCun et al.), plain or gzip-compressed, checking the
// magic number, the dimensions and the file length against what the header promises.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace xbarsim::workloads {

// An unsigned-byte IDX tensor (type code 0x08), the only type MNIST and Fashion-MNIST use.
struct IdxTensor {
  std::vector<std::uint32_t> dims;  // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> data;   // row-major, product(dims) bytes
  std::uint32_t crc32 = 0;          // CRC-32 of the whole (decompressed) file, header included
};

// Reads `file` (gzip detected by its magic bytes, whatever the name). Throws DataError with one
// line naming the file and what is wrong (missing, wrong magic, unsupported type, truncated,
// trailing bytes, bad gzip stream).
IdxTensor read_idx(const std::filesystem::path& file);

// The dimensions in the header of `file` (plain or gzip), read without the data: a quick check
// before a run folder is made. Throws DataError as read_idx does for a bad header.
std::vector<std::uint32_t> read_idx_dims(const std::filesystem::path& file);

// Writes an uncompressed unsigned-byte IDX file (used by tests to make fixtures).
void write_idx(const std::filesystem::path& file, const IdxTensor& tensor);

}  // namespace xbarsim::workloads
