#include "workloads/idx.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <fstream>
#include <iterator>

#include "core/error.hpp"

namespace xbarsim::workloads {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw DataError(fmt::format("{}: {}", file.string(), what));
}

std::vector<std::uint8_t> read_all_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, "cannot open (missing file or no permission)");
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::uint8_t> gunzip(const std::filesystem::path& file, const std::vector<std::uint8_t>& compressed) {
  z_stream zs{};
  // 15 + 32: zlib window with automatic gzip header detection.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) fail(file, "cannot initialize gzip decoder");
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 20);
  zs.next_in = const_cast<Bytef*>(compressed.data());
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      fail(file, rc == Z_BUF_ERROR ? "truncated gzip stream" : "corrupt gzip stream");
    }
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
  }
  inflateEnd(&zs);
  return out;
}

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// Checks the first bytes of an IDX file (magic, element type, rank, room for the dimensions)
// and returns its rank.
std::size_t check_header(const std::filesystem::path& file, const std::uint8_t* bytes, std::size_t size) {
  if (size < 4) fail(file, fmt::format("too short for an IDX header ({} bytes)", size));
  if (bytes[0] != 0 || bytes[1] != 0) {
    fail(file, fmt::format("wrong magic number 0x{:02x}{:02x}{:02x}{:02x} (expected 0x0000 then "
                           "type and rank, e.g. 0x00000803)",
                           bytes[0], bytes[1], bytes[2], bytes[3]));
  }
  if (bytes[2] != 0x08) {
    fail(file, fmt::format("unsupported IDX element type 0x{:02x} (expected 0x08, unsigned byte)", bytes[2]));
  }
  const std::size_t rank = bytes[3];
  if (rank == 0 || rank > 4) fail(file, fmt::format("unsupported IDX rank {} (expected 1 to 4)", rank));
  if (size < 4 + 4 * rank) fail(file, "truncated header");
  return rank;
}

}  // namespace

IdxTensor read_idx(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) fail(file, "no such file");
  std::vector<std::uint8_t> bytes = read_all_bytes(file);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = gunzip(file, bytes);

  const std::size_t rank = check_header(file, bytes.data(), bytes.size());
  const std::size_t header = 4 + 4 * rank;

  IdxTensor t;
  std::size_t count = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    t.dims.push_back(big_endian_u32(&bytes[4 + 4 * i]));
    if (__builtin_mul_overflow(count, std::size_t{t.dims.back()}, &count)) {
      fail(file, fmt::format("dimensions {} overflow a 64-bit size", fmt::join(t.dims, " x ")));
    }
  }
  const std::size_t payload = bytes.size() - header;
  if (payload < count) {
    fail(file, fmt::format("truncated: header promises {} bytes of data, file has {}", count, payload));
  }
  if (payload > count) {
    fail(file, fmt::format("{} unexpected trailing bytes after the {} data bytes", payload - count, count));
  }
  t.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  t.crc32 = static_cast<std::uint32_t>(::crc32(0L, bytes.data(), static_cast<uInt>(bytes.size())));
  return t;
}

std::vector<std::uint32_t> read_idx_dims(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) fail(file, "no such file");
  gzFile in = gzopen(file.c_str(), "rb");  // reads plain files as they are
  if (in == nullptr) fail(file, "cannot open (missing file or no permission)");
  std::uint8_t head[4 + 4 * 4] = {};
  const int got = gzread(in, head, sizeof head);
  gzclose(in);
  const std::size_t rank = check_header(file, head, got < 0 ? 0 : static_cast<std::size_t>(got));
  std::vector<std::uint32_t> dims;
  for (std::size_t i = 0; i < rank; ++i) dims.push_back(big_endian_u32(&head[4 + 4 * i]));
  return dims;
}

void write_idx(const std::filesystem::path& file, const IdxTensor& tensor) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  const std::uint8_t magic[4] = {0, 0, 0x08, static_cast<std::uint8_t>(tensor.dims.size())};
  out.write(reinterpret_cast<const char*>(magic), 4);
  for (std::uint32_t d : tensor.dims) {
    const std::uint8_t be[4] = {static_cast<std::uint8_t>(d >> 24), static_cast<std::uint8_t>(d >> 16),
                                static_cast<std::uint8_t>(d >> 8), static_cast<std::uint8_t>(d)};
    out.write(reinterpret_cast<const char*>(be), 4);
  }
  out.write(reinterpret_cast<const char*>(tensor.data.data()), static_cast<std::streamsize>(tensor.data.size()));
}

}  // namespace xbarsim::workloads
