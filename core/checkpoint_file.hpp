// The envelope of a checkpoint file: what lets `--resume` trust it. The file holds a magic and a
// format version, the configuration the run started with (its resolved YAML, verbatim), the
// payload (the training state, laid out by its writer) and a CRC-32 over both. Reading checks
// each before the payload is touched: a file of another program or format version, a truncated
// or damaged file (checksum), and a configuration that changed since the run started (the
// first differing line is named) are refused with one line.
//
// Layout (little-endian, as written by this build):
//   "XBCKPT" + two version digits      8 bytes (the version covers the payloads' layouts too:
//                                      a change to any of them bumps it)
//   config length, payload length      2 x uint64
//   CRC-32 (IEEE 802.3) of config then payload   uint32
//   config bytes, payload bytes
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

namespace xbarsim {

// Writes the envelope around `payload` atomically (a temporary file, then a rename).
void write_checkpoint_file(const std::filesystem::path& file, std::string_view config, std::string_view payload);

// The payload of `file` once every check holds; throws DataError (one line naming the file and
// what failed) otherwise. `config` is the configuration the run resumes with and `config_file`
// the file it was read from (named when it differs).
std::string read_checkpoint_file(const std::filesystem::path& file, std::string_view config,
                                 const std::filesystem::path& config_file);

// The bytes left to read in a seekable stream (a length field is checked against it before
// anything is allocated); the largest uint64 when the stream cannot tell.
std::uint64_t bytes_left(std::istream& in);

// The CRC-32 (IEEE 802.3, as zlib and PNG use) of `bytes`.
std::uint32_t crc32_of(std::string_view bytes);

}  // namespace xbarsim
