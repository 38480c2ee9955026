// The contention-aware timeline of a job (docs/arch/timing.md): every image moves through the
// layers as four steps per layer, each holding resources for a duration in cycles:
//   in      the layer's input read from the activation buffer and carried to its tiles
//           (holds the buffer and the interconnect together: a stream through both);
//   compute the tiles' reads and conversions (holds the layer's tiles);
//   reduce  partial sums across tiles and bias/activation (holds the layer's adders);
//   out     the outputs carried back and written to the buffer (buffer and interconnect).
// Resources are server pools with first-come-first-served arbitration in the order requests
// become ready; the buffer and the interconnect are shared by all layers, tiles and adders
// belong to their layer. Between steps a layer holds two registers (double buffering): image k
// enters a step only when image k - 2 has left the next one. Work scales with images x layers,
// never with cells or cycles; the controller advances SystemC time to the schedule's times.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace xbarsim::arch {

// A pool of identical servers. A request ready at `ready` takes the server that frees first and
// starts at max(ready, its free time).
class Resource {
 public:
  Resource(std::string name, int servers);
  const std::string& name() const { return name_; }
  int servers() const { return static_cast<int>(free_.size()); }
  // Earliest start >= ready on the first-free server.
  double earliest(double ready) const;
  // Holds the first-free server over [start, start + duration); start >= earliest(start).
  void hold(double start, double duration);
  // Server-cycles held since the last reset.
  double busy() const { return busy_; }
  // Every server free at `now`; busy time cleared.
  void reset(double now);

 private:
  std::string name_;
  std::vector<double> free_;
  double busy_ = 0.0;
};

// One resource's busy server-cycles summed over jobs (in-situ training reports utilisation over
// every forward and backward job); `layer` is the layer a resource belongs to, -1 when shared.
struct ResourceUse {
  std::string name;
  int servers = 1;
  int layer = -1;
  double busy = 0.0;
};

// Per-image durations (cycles) of one layer's steps. A zero duration skips the step's hold.
struct LayerSteps {
  double in_buffer = 0.0;   // buffer cycles of the input read
  double in_link = 0.0;     // interconnect cycles of the input transfer
  double compute = 0.0;     // the tiles' time per image
  double reduce = 0.0;      // the adders' time per image
  double out_buffer = 0.0;  // buffer cycles of the output write
  double out_link = 0.0;    // interconnect cycles of the output transfer
  // The step's duration when both resources stream together: the slower of the two.
  double in() const { return in_buffer > in_link ? in_buffer : in_link; }
  double out() const { return out_buffer > out_link ? out_buffer : out_link; }
};

class Timeline {
 public:
  enum Step { kIn = 0, kCompute = 1, kReduce = 2, kOut = 3, kSteps = 4 };

  // `layers` layers, each with its tiles and adders; a shared buffer of `buffer_ports`
  // independent ports (each transfer holds one); a shared interconnect of one link
  // (`interconnect` false: an ideal link, in_link and out_link are ignored).
  Timeline(int layers, int buffer_ports, bool interconnect);

  // A job starts at cycle `now`: every resource free, no image in flight.
  void start(double now);
  // Schedules the job's `count` images through the layers in `order` (indices into `steps`, one
  // per layer, in the order the images visit them), all available at the job's start. Once per
  // job: a request is placed at its resource's free time, so every request of the job must be
  // known when the schedule is built (first come, first served over the whole job).
  // Preconditions: steps.size() == layers; start() called since the last run().
  void run(const std::vector<LayerSteps>& steps, const std::vector<int>& order, std::int64_t count);

  double job_start() const { return start_; }
  double job_end() const { return end_; }
  // Cycles from the job's start to the first image leaving the last layer.
  double first_latency() const { return first_latency_; }
  // Mean cycles between consecutive images leaving layer `l` (its step kOut); 0 with < 2 images.
  double interval(int l) const;

  // Per layer, the window [first input start, last output end] of the job (begin infinite when
  // no image entered the layer): what a trace shows as the layer's busy time.
  struct Span {
    double begin = std::numeric_limits<double>::infinity();
    double end = 0.0;
  };
  const std::vector<Span>& spans() const { return spans_; }

  const Resource& buffer() const { return buffer_; }
  const Resource& interconnect() const { return link_; }
  const Resource& tiles(int l) const { return tiles_[static_cast<std::size_t>(l)]; }
  const Resource& adders(int l) const { return adders_[static_cast<std::size_t>(l)]; }
  // Busy fraction of `r` over the job: busy / (servers x (end - start)).
  double utilisation(const Resource& r) const;
  // The busiest of the resources layer `l` uses (its tiles, its adders, the buffer, the
  // interconnect).
  const Resource& bottleneck(int l) const;
  // Adds the job's busy server-cycles of every resource to `uses`: the buffer, the interconnect
  // (when modelled), then each layer's tiles and adders. An empty `uses` is filled with them;
  // otherwise it must hold them in that order (from an earlier call on this timeline).
  void add_busy(std::vector<ResourceUse>& uses) const;

 private:
  // When step `s` of the next image of position `p` (in `order`) may start, or a negative value
  // when a step it waits for is not scheduled yet.
  double ready(std::size_t p, int s) const;
  void schedule(std::size_t p, int s, const LayerSteps& d, int layer);

  bool has_link_;
  Resource buffer_;
  Resource link_;
  std::vector<Resource> tiles_;
  std::vector<Resource> adders_;
  double start_ = 0.0;
  double end_ = 0.0;
  double first_latency_ = -1.0;
  // Per position in the order and step: the next image's index and the end time of every image
  // through that step in this job (capacity kept across jobs: no allocation in steady state).
  struct Front {
    std::int64_t next = 0;
    std::vector<double> end;
  };
  std::vector<std::array<Front, kSteps>> fronts_;
  std::vector<int> order_;
  std::int64_t target_ = 0;  // images of the job
  // Per layer: first and last completion of step kOut, and how many.
  struct Exits {
    double first = 0.0, last = 0.0;
    std::int64_t count = 0;
  };
  std::vector<Exits> exits_;
  std::vector<Span> spans_;
};

}  // namespace xbarsim::arch
