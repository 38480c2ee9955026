#include "core/checkpoint_file.hpp"

#include <fmt/format.h>

#include <boost/crc.hpp>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "core/report.hpp"

namespace xbarsim {
namespace {

constexpr std::string_view kMagic = "XBCKPT";
// 01: the first in-situ checkpoint; 02: its simulated time split by what spends it; 03: with
// the timeline resources' busy cycles; 04: in this envelope (checksum and configuration).
constexpr std::string_view kVersion = "04";
constexpr std::size_t kHeaderBytes = 8 + 2 * sizeof(std::uint64_t) + sizeof(std::uint32_t);

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
T get(std::string_view bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

// The first line where `started` and `now` differ, as "line N (`text`)" of `now`.
std::string first_difference(std::string_view started, std::string_view now) {
  std::istringstream a{std::string(started)};
  std::istringstream b{std::string(now)};
  std::string la;
  std::string lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "somewhere";
    if (!more_b) return fmt::format("line {} (the run started with `{}` there; the file ends before it)", line, la);
    if (!more_a || la != lb) {
      return more_a ? fmt::format("line {} (`{}`, the run started with `{}`)", line, lb, la)
                    : fmt::format("line {} (`{}`, not in the configuration the run started with)", line, lb);
    }
  }
}

}  // namespace

std::uint32_t crc32_of(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint64_t bytes_left(std::istream& in) {
  const std::istream::pos_type here = in.tellg();
  if (here == std::istream::pos_type(-1)) return std::numeric_limits<std::uint64_t>::max();
  in.seekg(0, std::ios::end);
  const std::istream::pos_type end = in.tellg();
  in.seekg(here);
  return end >= here ? static_cast<std::uint64_t>(end - here) : 0;
}

void write_checkpoint_file(const std::filesystem::path& file, std::string_view config, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderBytes + config.size() + payload.size());
  out.append(kMagic);
  out.append(kVersion);
  put<std::uint64_t>(out, config.size());
  put<std::uint64_t>(out, payload.size());
  boost::crc_32_type crc;
  crc.process_bytes(config.data(), config.size());
  crc.process_bytes(payload.data(), payload.size());
  put<std::uint32_t>(out, crc.checksum());
  out.append(config);
  out.append(payload);
  write_file_atomic(file, out);
}

std::string read_checkpoint_file(const std::filesystem::path& file, std::string_view config,
                                 const std::filesystem::path& config_file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: no checkpoint to resume from", file.string()));
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw DataError(fmt::format("{}: cannot read the checkpoint", file.string()));
  if (bytes.size() < 8 || bytes.compare(0, kMagic.size(), kMagic) != 0) {
    throw DataError(fmt::format("{}: not an xbarsim checkpoint", file.string()));
  }
  if (std::string_view(bytes).substr(6, 2) != kVersion) {
    throw DataError(
        fmt::format("{}: a checkpoint of another xbarsim version (format {}, expected {}); start the run "
                    "again",
                    file.string(), bytes.substr(6, 2), kVersion));
  }
  if (bytes.size() < kHeaderBytes) throw DataError(fmt::format("{}: truncated checkpoint", file.string()));
  const auto config_len = get<std::uint64_t>(bytes, 8);
  const auto payload_len = get<std::uint64_t>(bytes, 16);
  const auto stored_crc = get<std::uint32_t>(bytes, 24);
  const std::uint64_t room = bytes.size() - kHeaderBytes;
  if (config_len > room || payload_len != room - config_len) {
    throw DataError(fmt::format("{}: truncated or damaged checkpoint ({} bytes, its header announces {} + {})",
                                file.string(), room, config_len, payload_len));
  }
  const std::string_view body = std::string_view(bytes).substr(kHeaderBytes);
  if (crc32_of(body) != stored_crc) {
    throw DataError(fmt::format("{}: damaged checkpoint (its CRC-32 does not match its content); start the run again",
                                file.string()));
  }
  const std::string_view started = body.substr(0, config_len);
  if (started != config) {
    throw DataError(
        fmt::format("{}: {} differs from the configuration the run started with; restore it, or start a "
                    "new run",
                    config_file.string(), first_difference(started, config)));
  }
  return std::string(body.substr(config_len));
}

}  // namespace xbarsim
