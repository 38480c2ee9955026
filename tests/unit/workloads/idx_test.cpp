#include "workloads/idx.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "core/error.hpp"
#include "workloads/dataset.hpp"

namespace xbarsim::workloads {
namespace {

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("xbarsim_idx_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

IdxTensor images(std::uint32_t n) {
  IdxTensor t{{n, 28, 28}, std::vector<std::uint8_t>(std::size_t{n} * 784)};
  for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<std::uint8_t>(i % 256);
  return t;
}

std::string error_of(const std::filesystem::path& f) {
  try {
    read_idx(f);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

std::vector<char> bytes_of(const std::filesystem::path& f) {
  std::ifstream in(f, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::filesystem::path& f, const std::vector<char>& b) {
  std::ofstream(f, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

TEST(Idx, RoundTripsAGoodFile) {
  const auto dir = temp_dir();
  write_idx(dir / "img", images(3));
  const IdxTensor t = read_idx(dir / "img");
  EXPECT_EQ(t.dims, (std::vector<std::uint32_t>{3, 28, 28}));
  ASSERT_EQ(t.data.size(), 3u * 784);
  EXPECT_EQ(t.data[300], 300 % 256);
}

TEST(Idx, TruncatedFileSaysHowMuchIsMissing) {
  const auto dir = temp_dir();
  write_idx(dir / "img", images(2));
  auto b = bytes_of(dir / "img");
  b.resize(b.size() - 10);
  write_bytes(dir / "img", b);
  EXPECT_EQ(error_of(dir / "img"),
            (dir / "img").string() + ": truncated: header promises 1568 bytes of data, file has 1558");
}

TEST(Idx, WrongMagicIsNamed) {
  const auto dir = temp_dir();
  write_bytes(dir / "img", {'\x1f', '\x00', '\x08', '\x03', 0, 0, 0, 0});
  EXPECT_NE(error_of(dir / "img").find("wrong magic number 0x1f000803"), std::string::npos) << error_of(dir / "img");
}

// Rank 4 with every dimension 2^32 - 1: the product passes 2^64 at the third (2^96), caught
// before any allocation.
TEST(Idx, DimensionsWhoseProductOverflowsAreNamed) {
  const auto dir = temp_dir();
  std::vector<char> b{0, 0, 8, 4};
  for (int i = 0; i < 16; ++i) b.push_back('\xff');
  write_bytes(dir / "img", b);
  EXPECT_EQ(error_of(dir / "img"),
            (dir / "img").string() + ": dimensions 4294967295 x 4294967295 x 4294967295 overflow a 64-bit size");
}

// read_idx_dims reads the header alone, of a plain or a gzip file, with read_idx's checks.
TEST(Idx, HeaderDimensionsWithoutTheData) {
  const auto dir = temp_dir();
  write_idx(dir / "img", images(3));
  EXPECT_EQ(read_idx_dims(dir / "img"), (std::vector<std::uint32_t>{3, 28, 28}));
  const std::vector<char> plain = bytes_of(dir / "img");
  gzFile gz = gzopen((dir / "img.gz").c_str(), "wb");
  gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(gz);
  EXPECT_EQ(read_idx_dims(dir / "img.gz"), (std::vector<std::uint32_t>{3, 28, 28}));
  write_bytes(dir / "bad", {'\x1f', '\x00', '\x08', '\x03', 0, 0, 0, 0});
  try {
    read_idx_dims(dir / "bad");
    FAIL() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("wrong magic number 0x1f000803"), std::string::npos) << e.what();
  }
}

TEST(Idx, TrailingBytesAreAnError) {
  const auto dir = temp_dir();
  write_idx(dir / "lab", IdxTensor{{2}, {1, 2}});
  auto b = bytes_of(dir / "lab");
  b.push_back('x');
  write_bytes(dir / "lab", b);
  EXPECT_NE(error_of(dir / "lab").find("1 unexpected trailing bytes"), std::string::npos);
}

TEST(Idx, MissingFile) { EXPECT_EQ(error_of("/nonexistent/idx"), "/nonexistent/idx: no such file"); }

TEST(Idx, ReadsGzipAndRejectsATruncatedGzip) {
  const auto dir = temp_dir();
  write_idx(dir / "img", images(2));
  const auto raw = bytes_of(dir / "img");
  {
    gzFile gz = gzopen((dir / "img.gz").c_str(), "wb");
    gzwrite(gz, raw.data(), static_cast<unsigned>(raw.size()));
    gzclose(gz);
  }
  EXPECT_EQ(read_idx(dir / "img.gz").data, read_idx(dir / "img").data);
  auto gzb = bytes_of(dir / "img.gz");
  gzb.resize(gzb.size() / 2);
  write_bytes(dir / "cut.gz", gzb);
  EXPECT_NE(error_of(dir / "cut.gz").find("truncated gzip stream"), std::string::npos) << error_of(dir / "cut.gz");
}

TEST(Dataset, CountMismatchBetweenImagesAndLabels) {
  const auto dir = temp_dir();
  write_idx(dir / "img", images(3));
  write_idx(dir / "lab", IdxTensor{{2}, {1, 2}});
  try {
    load_idx_pair(dir / "img", dir / "lab", 0);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "lab").string() + ": 2 labels, but " + (dir / "img").string() + " has 3 images");
  }
}

TEST(Dataset, ScalesPixelsAndChecksLabels) {
  const auto dir = temp_dir();
  write_idx(dir / "img", images(2));
  write_idx(dir / "lab", IdxTensor{{2}, {7, 3}});
  const Dataset d = load_idx_pair(dir / "img", dir / "lab", 0);
  EXPECT_EQ(d.count, 2u);
  EXPECT_EQ(d.features, 784u);
  EXPECT_FLOAT_EQ(d.image(0)[255], 1.0f);  // byte 255 / 255
  EXPECT_EQ(d.labels[1], 3);
  write_idx(dir / "bad", IdxTensor{{2}, {7, 12}});
  EXPECT_THROW(load_idx_pair(dir / "img", dir / "bad", 0), DataError);
}

}  // namespace
}  // namespace xbarsim::workloads
