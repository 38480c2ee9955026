// The data movements of convolution and pooling layers on batches (Eigen, one column per image),
// shared by the fp32 network and the chip's digital units so that both compute the same thing:
// unrolling the windows of a feature map into input vectors (im2col; Chellapilla et al., 2006)
// and back (the transposed convolution of the errors), the two layouts of a convolution's output,
// and pooling forward and backward. Layouts as in arch/topology.hpp: feature maps CHW per column;
// input vectors ordered (channel, kernel row, kernel column); window p = oh x out_w + ow of image
// b is vector column b x windows + p.
#pragma once

#include <Eigen/Dense>

#include "arch/topology.hpp"

namespace xbarsim::arch {

template <class Scalar>
using FeatureBatch = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

// x: in.size() x B feature maps -> cols: weight_inputs() x (B x windows()) input vectors, padding
// as zeros.
template <class Scalar>
void im2col(const LayerShape& s, const Eigen::Ref<const FeatureBatch<Scalar>>& x, FeatureBatch<Scalar>& cols) {
  const int k = s.kernel;
  const int p_count = s.windows();
  const auto batch = x.cols();
  cols.resize(s.weight_inputs(), batch * p_count);
  for (Eigen::Index b = 0; b < batch; ++b) {
    const Scalar* img = x.col(b).data();
    for (int oh = 0; oh < s.out.height; ++oh) {
      for (int ow = 0; ow < s.out.width; ++ow) {
        Scalar* dst = cols.col(b * p_count + oh * s.out.width + ow).data();
        for (int c = 0; c < s.in.channels; ++c) {
          const Scalar* plane = img + static_cast<Eigen::Index>(c) * s.in.height * s.in.width;
          for (int kh = 0; kh < k; ++kh) {
            const int ih = oh * s.stride - s.padding + kh;
            for (int kw = 0; kw < k; ++kw) {
              const int iw = ow * s.stride - s.padding + kw;
              const bool inside = ih >= 0 && ih < s.in.height && iw >= 0 && iw < s.in.width;
              *dst++ = inside ? plane[ih * s.in.width + iw] : Scalar(0);
            }
          }
        }
      }
    }
  }
}

// The adjoint of im2col: dx (in.size() x B) = the sum, over every window, of its vector's
// entries scattered back to the positions they were read from (padding dropped).
template <class Scalar>
void col2im(const LayerShape& s, const FeatureBatch<Scalar>& dcols, FeatureBatch<Scalar>& dx) {
  const int k = s.kernel;
  const int p_count = s.windows();
  const Eigen::Index batch = dcols.cols() / p_count;
  dx.setZero(s.in.size(), batch);
  for (Eigen::Index b = 0; b < batch; ++b) {
    Scalar* img = dx.col(b).data();
    for (int oh = 0; oh < s.out.height; ++oh) {
      for (int ow = 0; ow < s.out.width; ++ow) {
        const Scalar* src = dcols.col(b * p_count + oh * s.out.width + ow).data();
        for (int c = 0; c < s.in.channels; ++c) {
          Scalar* plane = img + static_cast<Eigen::Index>(c) * s.in.height * s.in.width;
          for (int kh = 0; kh < k; ++kh) {
            const int ih = oh * s.stride - s.padding + kh;
            for (int kw = 0; kw < k; ++kw, ++src) {
              const int iw = ow * s.stride - s.padding + kw;
              if (ih >= 0 && ih < s.in.height && iw >= 0 && iw < s.in.width) plane[ih * s.in.width + iw] += *src;
            }
          }
        }
      }
    }
  }
}

// z: channels x (B x windows) (one column per window) -> y: (channels x windows) x B, CHW.
template <class Scalar>
void vectors_to_maps(const FeatureBatch<Scalar>& z, int windows, FeatureBatch<Scalar>& y) {
  const Eigen::Index channels = z.rows();
  const Eigen::Index batch = z.cols() / windows;
  y.resize(channels * windows, batch);
  for (Eigen::Index b = 0; b < batch; ++b) {
    Eigen::Map<FeatureBatch<Scalar>>(y.col(b).data(), windows, channels) =
        z.middleCols(b * windows, windows).transpose();
  }
}

// The inverse of vectors_to_maps.
template <class Scalar>
void maps_to_vectors(const FeatureBatch<Scalar>& y, int channels, FeatureBatch<Scalar>& z) {
  const Eigen::Index windows = y.rows() / channels;
  const Eigen::Index batch = y.cols();
  z.resize(channels, batch * windows);
  for (Eigen::Index b = 0; b < batch; ++b) {
    z.middleCols(b * windows, windows) =
        Eigen::Map<const FeatureBatch<Scalar>>(y.col(b).data(), windows, channels).transpose();
  }
}

// y: out.size() x B -> pooled: pooled().size() x B (max, or mean of the window).
template <class Scalar>
void pool_forward(const LayerShape& s, const FeatureBatch<Scalar>& y, FeatureBatch<Scalar>& pooled) {
  const FeatureShape po = s.pooled();
  const int ps = s.pool_size;
  pooled.resize(po.size(), y.cols());
  const Scalar inv = Scalar(1) / static_cast<Scalar>(ps * ps);
  for (Eigen::Index b = 0; b < y.cols(); ++b) {
    const Scalar* img = y.col(b).data();
    Scalar* dst = pooled.col(b).data();
    for (int c = 0; c < po.channels; ++c) {
      const Scalar* plane = img + static_cast<Eigen::Index>(c) * s.out.height * s.out.width;
      for (int ph = 0; ph < po.height; ++ph) {
        for (int pw = 0; pw < po.width; ++pw) {
          const Scalar* w0 = plane + (ph * s.pool_stride) * s.out.width + pw * s.pool_stride;
          Scalar acc = s.pool == PoolKind::kMax ? w0[0] : Scalar(0);
          for (int i = 0; i < ps; ++i) {
            for (int j = 0; j < ps; ++j) {
              const Scalar v = w0[i * s.out.width + j];
              acc = s.pool == PoolKind::kMax ? (v > acc ? v : acc) : acc + v;
            }
          }
          *dst++ = s.pool == PoolKind::kMax ? acc : acc * inv;
        }
      }
    }
  }
}

// The gradient through the pool: dy (out.size() x B) from dpooled; max pooling routes each
// gradient to the first largest value of its window in y (row-major scan), average pooling
// spreads it evenly. Overlapping windows accumulate.
template <class Scalar>
void pool_backward(const LayerShape& s, const FeatureBatch<Scalar>& y, const FeatureBatch<Scalar>& dpooled,
                   FeatureBatch<Scalar>& dy) {
  const FeatureShape po = s.pooled();
  const int ps = s.pool_size;
  dy.setZero(s.out.size(), y.cols());
  const Scalar inv = Scalar(1) / static_cast<Scalar>(ps * ps);
  for (Eigen::Index b = 0; b < y.cols(); ++b) {
    const Scalar* src = dpooled.col(b).data();
    for (int c = 0; c < po.channels; ++c) {
      const Eigen::Index plane = static_cast<Eigen::Index>(c) * s.out.height * s.out.width;
      for (int ph = 0; ph < po.height; ++ph) {
        for (int pw = 0; pw < po.width; ++pw, ++src) {
          const Eigen::Index w0 = plane + (ph * s.pool_stride) * s.out.width + pw * s.pool_stride;
          if (s.pool == PoolKind::kMax) {
            Eigen::Index best = w0;
            for (int i = 0; i < ps; ++i) {
              for (int j = 0; j < ps; ++j) {
                const Eigen::Index at = w0 + i * s.out.width + j;
                if (y(at, b) > y(best, b)) best = at;
              }
            }
            dy(best, b) += *src;
          } else {
            for (int i = 0; i < ps; ++i) {
              for (int j = 0; j < ps; ++j) dy(w0 + i * s.out.width + j, b) += *src * inv;
            }
          }
        }
      }
    }
  }
}

}  // namespace xbarsim::arch
