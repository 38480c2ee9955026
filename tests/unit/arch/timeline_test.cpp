// The contention-aware timeline on small chips, every cycle count derived by hand below.
#include "arch/timeline.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace xbarsim::arch {
namespace {

LayerSteps steps(double in_buffer, double compute, double reduce, double out_buffer, double in_link = 0.0,
                 double out_link = 0.0) {
  LayerSteps s;
  s.in_buffer = in_buffer;
  s.compute = compute;
  s.reduce = reduce;
  s.out_buffer = out_buffer;
  s.in_link = in_link;
  s.out_link = out_link;
  return s;
}

// End of a job of `n` images on a fresh timeline.
double job_end(const std::vector<LayerSteps>& s, int ports, bool link, int n) {
  Timeline t(static_cast<int>(s.size()), ports, link);
  std::vector<int> order;
  for (int l = 0; l < static_cast<int>(s.size()); ++l) order.push_back(l);
  t.start(0.0);
  t.run(s, order, n);
  return t.job_end();
}

// Compute-bound, no resource contended: the closed form holds exactly.
// Layer 0: in 2, compute 10, reduce 1, out 1; layer 1: in 1, compute 8, reduce 1, out 1; a
// two-port buffer, no interconnect. Layer 0's tiles are busy from cycle 2 on: compute(k) of
// layer 0 is [2 + 10k, 12 + 10k]; its reduce [12 + 10k, 13 + 10k]; its write [13 + 10k,
// 14 + 10k] on one port while the prefetch of image k + 2 (ready when compute(k) ends) holds
// the other over [12 + 10k, 14 + 10k]; layer 1 reads [14 + 10k, 15 + 10k], computes
// [15 + 10k, 23 + 10k], reduces [23 + 10k, 24 + 10k] and writes [24 + 10k, 25 + 10k] beside
// its next read: never more than two transfers at once. So the first image leaves after
// 2 + 10 + 1 + 1 + 1 + 8 + 1 + 1 = 25 cycles (the sum of the steps) and one more every 10
// (the slowest resource per image: max(10, 8, (2 + 1 + 1 + 1) / 2 ports, 1)).
TEST(Timeline, ComputeBoundEqualsTheClosedForm) {
  const std::vector<LayerSteps> s{steps(2, 10, 1, 1), steps(1, 8, 1, 1)};
  Timeline t(2, 2, false);
  t.start(0.0);
  t.run(s, {0, 1}, 12);
  const double latency = 2 + 10 + 1 + 1 + 1 + 8 + 1 + 1;
  EXPECT_DOUBLE_EQ(t.first_latency(), latency);
  EXPECT_DOUBLE_EQ(t.job_end(), latency + 11 * 10.0);
  EXPECT_DOUBLE_EQ(t.interval(0), 10.0);
  EXPECT_DOUBLE_EQ(t.interval(1), 10.0);
  EXPECT_EQ(t.bottleneck(0).name(), "layer0/tiles");
  // Layer 0's tiles: 12 x 10 busy cycles over the job.
  EXPECT_DOUBLE_EQ(t.utilisation(t.tiles(0)), 120.0 / t.job_end());
}

// Buffer-bound: one layer, in 6, compute 4, reduce 1, out 3, one port. Schedule of 4 images
// (requests served first come, first served in the order they become ready):
//   read 0 [0, 6], read 1 [6, 12] (ready at 0); compute 0 [6, 10], reduce 0 [10, 11];
//   read 2 ready at 10 (compute 0 done, its register free) [12, 18]; write 0 ready at 11 [18, 21];
//   compute 1 [12, 16], reduce 1 [16, 17]; read 3 ready at 16 [21, 27]; write 1 ready at 17
//   [27, 30]; compute 2 [18, 22], reduce 2 [22, 23], write 2 [30, 33]; compute 3 [27, 31],
//   reduce 3 [31, 32], write 3 [33, 36].
// The port never idles: the job takes the port's 6 + 3 = 9 cycles per image, 36 for 4, and
// each further image adds 9 (compute + reduce, 5 cycles, never outlasts the port's work).
TEST(Timeline, BufferBound) {
  const std::vector<LayerSteps> s{steps(6, 4, 1, 3)};
  Timeline t(1, 1, false);
  t.start(0.0);
  t.run(s, {0}, 4);
  EXPECT_DOUBLE_EQ(t.job_end(), 36.0);
  EXPECT_DOUBLE_EQ(t.first_latency(), 21.0);
  EXPECT_EQ(t.bottleneck(0).name(), "buffer");
  EXPECT_DOUBLE_EQ(t.utilisation(t.buffer()), 1.0);
  EXPECT_DOUBLE_EQ(job_end(s, 1, false, 40), 9.0 * 40);
  // The tiles alone would allow an image every 4 cycles; the one shared port needs 9.
}

// Interconnect-bound: one layer, buffer 1 cycle each way, link 8 cycles in and 4 out, compute 3,
// reduce 1. Read 0 holds the buffer [0, 1] and the link [0, 8]; read 1 waits for the link
// [8, 16]; compute 0 [8, 11], reduce 0 [11, 12]; write 0 waits for the link [16, 20];
// compute 1 [16, 19], reduce 1 [19, 20], write 1 [20, 24]. The link never idles: 12 cycles per
// image.
TEST(Timeline, InterconnectBound) {
  const std::vector<LayerSteps> s{steps(1, 3, 1, 1, 8, 4)};
  Timeline t(1, 1, true);
  t.start(0.0);
  t.run(s, {0}, 2);
  EXPECT_DOUBLE_EQ(t.job_end(), 24.0);
  EXPECT_DOUBLE_EQ(t.first_latency(), 20.0);
  EXPECT_EQ(t.bottleneck(0).name(), "interconnect");
  EXPECT_DOUBLE_EQ(job_end(s, 1, true, 40), 12.0 * 40);
  // Without an interconnect model the link's cycles are ignored: compute-bound at 3 per image
  // behind the buffer's 2.
  EXPECT_LT(job_end(s, 1, false, 40), 12.0 * 40);
}

// A second layer sharing the port of a buffer-bound first layer: the steady interval grows
// from the first layer's 6 + 3 = 9 port cycles per image to 9 + 3 + 1 = 13.
TEST(Timeline, ASecondLayerOnTheSharedBufferLengthensTheInterval) {
  const std::vector<LayerSteps> one{steps(6, 4, 1, 3)};
  const std::vector<LayerSteps> two{steps(6, 4, 1, 3), steps(3, 2, 1, 1)};
  EXPECT_DOUBLE_EQ(job_end(one, 1, false, 41) - job_end(one, 1, false, 40), 9.0);
  EXPECT_DOUBLE_EQ(job_end(two, 1, false, 42) - job_end(two, 1, false, 40), 2 * 13.0);
}

// add_busy sums each resource's busy server-cycles over jobs (in-situ training reports
// utilisation over every forward and backward job). The compute-bound chip above, a job of 12
// images then one of 3: per image layer 0's tiles are busy 10 cycles, layer 1's 8, each layer's
// adders 1, the buffer 2 + 1 (layer 0's read and write) + 1 + 1 (layer 1's) = 5 port-cycles.
// Over 15 images: tiles 150 and 120, adders 15 and 15, buffer 75.
TEST(Timeline, AddBusySumsOverJobs) {
  const std::vector<LayerSteps> s{steps(2, 10, 1, 1), steps(1, 8, 1, 1)};
  Timeline t(2, 2, false);
  std::vector<ResourceUse> uses;
  for (int images : {12, 3}) {
    t.start(0.0);
    t.run(s, {0, 1}, images);
    t.add_busy(uses);
  }
  ASSERT_EQ(uses.size(), 5u);  // buffer, then tiles and adders per layer (no interconnect)
  EXPECT_EQ(uses[0].name, "buffer");
  EXPECT_EQ(uses[0].layer, -1);
  EXPECT_EQ(uses[0].servers, 2);
  EXPECT_DOUBLE_EQ(uses[0].busy, 75.0);
  EXPECT_EQ(uses[1].name, "layer0/tiles");
  EXPECT_EQ(uses[1].layer, 0);
  EXPECT_DOUBLE_EQ(uses[1].busy, 150.0);
  EXPECT_EQ(uses[2].name, "layer0/adders");
  EXPECT_DOUBLE_EQ(uses[2].busy, 15.0);
  EXPECT_EQ(uses[3].name, "layer1/tiles");
  EXPECT_EQ(uses[3].layer, 1);
  EXPECT_DOUBLE_EQ(uses[3].busy, 120.0);
  EXPECT_DOUBLE_EQ(uses[4].busy, 15.0);
  // A timeline of another shape cannot add to these.
  Timeline other(1, 1, true);
  other.start(0.0);
  EXPECT_THROW(other.add_busy(uses), std::logic_error);
}

TEST(Resource, FirstFreeServerFirstComeFirstServed) {
  Resource r("adders", 2);
  r.reset(0.0);
  EXPECT_DOUBLE_EQ(r.earliest(0.0), 0.0);
  r.hold(0.0, 5.0);
  EXPECT_DOUBLE_EQ(r.earliest(0.0), 0.0);  // the second server
  r.hold(0.0, 3.0);
  EXPECT_DOUBLE_EQ(r.earliest(1.0), 3.0);
  EXPECT_DOUBLE_EQ(r.earliest(4.0), 4.0);
  EXPECT_DOUBLE_EQ(r.busy(), 8.0);
}

}  // namespace
}  // namespace xbarsim::arch
