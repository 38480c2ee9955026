// Writes a small, deterministic MNIST-shaped data set (four IDX files) for the golden regression
// runs: 28 x 28 grey images of ten classes, each class a pair of bright strokes at its own
// place, shifted by up to 1 pixel and overlaid with noise. Learnable in one or two epochs, but
// not perfectly, so accuracy, loss and the data-dependent energy terms all carry information.
// Bit-for-bit the same on every platform: integers only (splitmix64), no floating point.
//
// Usage: make_fixture DIR TRAIN_IMAGES TEST_IMAGES
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
};

void put_be32(std::ofstream& out, std::uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v >> 24U), static_cast<unsigned char>(v >> 16U),
                              static_cast<unsigned char>(v >> 8U), static_cast<unsigned char>(v)};
  out.write(reinterpret_cast<const char*>(b), 4);
}

// Draws one image of class `label` into `img` (784 bytes, row-major).
void draw(int label, SplitMix64& rng, unsigned char* img) {
  constexpr int kSide = 28;
  for (int i = 0; i < kSide * kSide; ++i) img[i] = static_cast<unsigned char>(rng.below(48));
  const int dy = rng.below(3) - 1;
  const int dx = rng.below(3) - 1;
  // A horizontal stroke whose row and a vertical stroke whose column depend on the class.
  const int row = 4 + 2 * label + dy;
  const int col = 23 - 2 * label + dx;
  for (int x = 4; x < 24; ++x) {
    for (int t = 0; t < 2; ++t) {
      const int r = row + t;
      if (r >= 0 && r < kSide) img[r * kSide + x] = static_cast<unsigned char>(160 + rng.below(96));
    }
  }
  for (int y = 4; y < 24; ++y) {
    for (int t = 0; t < 2; ++t) {
      const int c = col + t;
      if (c >= 0 && c < kSide) img[y * kSide + c] = static_cast<unsigned char>(160 + rng.below(96));
    }
  }
}

bool write_split(const std::string& dir, const char* split, int n, std::uint64_t seed) {
  SplitMix64 rng{seed};
  std::ofstream images(dir + "/" + split + "-images-idx3-ubyte", std::ios::binary);
  std::ofstream labels(dir + "/" + split + "-labels-idx1-ubyte", std::ios::binary);
  if (!images || !labels) return false;
  put_be32(images, 0x00000803U);
  put_be32(images, static_cast<std::uint32_t>(n));
  put_be32(images, 28U);
  put_be32(images, 28U);
  put_be32(labels, 0x00000801U);
  put_be32(labels, static_cast<std::uint32_t>(n));
  std::vector<unsigned char> img(784);
  for (int i = 0; i < n; ++i) {
    const int label = rng.below(10);
    draw(label, rng, img.data());
    images.write(reinterpret_cast<const char*>(img.data()), static_cast<std::streamsize>(img.size()));
    const auto l = static_cast<char>(label);
    labels.write(&l, 1);
  }
  return static_cast<bool>(images) && static_cast<bool>(labels);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_fixture DIR TRAIN_IMAGES TEST_IMAGES\n");
    return 1;
  }
  const std::string dir = argv[1];
  const int train = std::atoi(argv[2]);
  const int test = std::atoi(argv[3]);
  if (train <= 0 || test <= 0) {
    std::fprintf(stderr, "make_fixture: image counts must be positive\n");
    return 1;
  }
  if (!write_split(dir, "train", train, 1) || !write_split(dir, "t10k", test, 2)) {
    std::fprintf(stderr, "make_fixture: cannot write the IDX files in %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
