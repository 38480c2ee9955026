// Image-classification data sets (MNIST, Fashion-MNIST) loaded from IDX files into contiguous
// float arrays, each pixel preprocessed as data.preprocess says (by default p / 255, in [0, 1]).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace xbarsim::workloads {

// The input preprocessing of `data.preprocess`: each raw pixel p (the IDX byte, 0..255) becomes
// x = (p / scale - mean) / std, computed in float as torchvision's ToTensor and
// Normalize((mean,), (std,)) compute it (float(p) / scale, then - mean, then / std, each rounded
// to float). The defaults (255, 0, 1) give p / 255 bit for bit.
struct Preprocess {
  double scale = 255.0;  // divisor of the raw pixel
  double mean = 0.0;
  double std_dev = 1.0;  // data.preprocess.std, > 0

  float apply(std::uint8_t p) const {
    return (static_cast<float>(p) / static_cast<float>(scale) - static_cast<float>(mean)) / static_cast<float>(std_dev);
  }
  // Whether a pixel can become negative: x is smallest at p = 0, where it is -mean / std.
  bool can_be_negative() const { return apply(0) < 0.0F; }
};

// `count` images of `features` pixels each, row-major, each pixel preprocessed (Preprocess);
// labels in [0, classes).
struct Dataset {
  std::string name;
  std::size_t count = 0;
  std::size_t features = 0;
  int height = 0;  // rows x cols of each image (features = height x width, one channel)
  int width = 0;
  int classes = 10;
  std::vector<float> images;
  std::vector<std::uint8_t> labels;
  std::uint32_t images_crc32 = 0;  // of the whole image and label files (decompressed)
  std::uint32_t labels_crc32 = 0;
  bool published = false;  // both files are the named data set's published ones (DataSpec::load)

  const float* image(std::size_t i) const { return images.data() + i * features; }
};

// Loads an images/labels IDX pair, keeps the first `limit` examples (0 = all), preprocesses
// every pixel and checks that the counts agree and every label is < `classes`. Throws DataError
// naming the file.
Dataset load_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels, std::size_t limit,
                      int classes = 10, const Preprocess& preprocess = {});

// Copies the `n` examples order[start .. start + n) of `d` into `batch` (features x n, one image
// per column; resized only when n changes) and their labels into `labels`.
void gather_batch(const Dataset& d, const std::vector<std::size_t>& order, std::size_t start, Eigen::Index n,
                  Eigen::MatrixXf& batch, std::vector<std::uint8_t>& labels);

// The `data:` section of an experiment: which data set, where, how many examples, and how each
// pixel is preprocessed.
struct DataSpec {
  std::string dataset;  // "mnist" or "fashion-mnist"
  std::filesystem::path dir;
  std::size_t train_limit = 0;  // 0 = all 60,000
  std::size_t test_limit = 0;   // 0 = all 10,000
  Preprocess preprocess;

  // Reads dataset, dir (default data/mnist for MNIST, Debian's /usr/share/datasets/fashion-mnist
  // for Fashion-MNIST), train_limit, test_limit and the optional section preprocess (scale,
  // mean, std; defaults 255, 0, 1).
  static DataSpec from_params(const Params& data);

  // For an experiment whose first layer's inputs go through a row DAC (`dac_signed`: its
  // arch.dac.signed): preprocessed pixels that can be negative (data.preprocess.mean > 0) need a
  // signed DAC, which an unsigned one would clip to 0. Throws ConfigError naming
  // data.preprocess.mean (in `data`, the data section) and arch.dac.signed otherwise.
  void check_input_dac(const Params& data, bool dac_signed) const;

  // Loads the split ("train" or "t10k"); each file is tried as NAME, then NAME.gz. The files'
  // CRC-32s identify them: the published files of the named data set are marked `published`;
  // the published files of the other data set (data.dataset says Fashion-MNIST, the folder
  // holds MNIST) are a DataError; anything else (a subset, one's own data) loads unmarked.
  Dataset load(const std::string& split) const;

  // The file `base` in dir, as NAME or NAME.gz; DataError with a hint when neither exists.
  std::filesystem::path file_of(const std::string& base) const;

  // Before anything is written: both splits' files exist, their headers are an image and a
  // label tensor with equal counts, and every image has `features` pixels (the network's
  // inputs). The full checks follow when load() reads them.
  void check_files(std::size_t features) const;

  // What report.json records of the data read: the data set named, whether the files are its
  // published ones, each file's CRC-32, and the preprocessing (scale, mean, std; always).
  nlohmann::json record(const Dataset& train, const Dataset& test) const;
};

}  // namespace xbarsim::workloads
