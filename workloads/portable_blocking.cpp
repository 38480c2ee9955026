#include "workloads/portable_blocking.hpp"

#include <Eigen/Core>

namespace xbarsim::workloads {

void use_portable_blocking() { Eigen::setCpuCacheSizes(kPortableL1Bytes, kPortableL2Bytes, kPortableL3Bytes); }

}  // namespace xbarsim::workloads
