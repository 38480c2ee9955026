#include "arch/timeline.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <stdexcept>

namespace xbarsim::arch {

Resource::Resource(std::string name, int servers) : name_(std::move(name)), free_(static_cast<std::size_t>(servers)) {
  assert(servers >= 1);
}

double Resource::earliest(double ready) const { return std::max(ready, *std::min_element(free_.begin(), free_.end())); }

void Resource::hold(double start, double duration) {
  auto first = std::min_element(free_.begin(), free_.end());
  assert(start >= *first);
  *first = start + duration;
  busy_ += duration;
}

void Resource::reset(double now) {
  std::fill(free_.begin(), free_.end(), now);
  busy_ = 0.0;
}

Timeline::Timeline(int layers, int buffer_ports, bool interconnect)
    : has_link_(interconnect),
      buffer_("buffer", buffer_ports),
      link_("interconnect", 1),
      exits_(static_cast<std::size_t>(layers)) {
  for (int l = 0; l < layers; ++l) {
    tiles_.emplace_back("layer" + std::to_string(l) + "/tiles", 1);
    adders_.emplace_back("layer" + std::to_string(l) + "/adders", 1);
  }
}

void Timeline::start(double now) {
  start_ = now;
  end_ = now;
  first_latency_ = -1.0;
  target_ = 0;
  buffer_.reset(now);
  link_.reset(now);
  for (Resource& r : tiles_) r.reset(now);
  for (Resource& r : adders_) r.reset(now);
  for (auto& p : fronts_) {
    for (Front& f : p) {
      f.next = 0;
      f.end.clear();
    }
  }
  for (Exits& e : exits_) e = Exits{};
  spans_.assign(tiles_.size(), Span{});
  order_.clear();
}

double Timeline::ready(std::size_t p, int s) const {
  const auto& fr = fronts_[p];
  const std::int64_t k = fr[static_cast<std::size_t>(s)].next;
  // A dependency on image j of step t at position q: its end, or "not yet" (-1).
  auto dep = [&](std::size_t q, int t, std::int64_t j) -> double {
    if (j < 0) return start_;
    const Front& f = fronts_[q][static_cast<std::size_t>(t)];
    return f.next > j ? f.end[static_cast<std::size_t>(j)] : -1.0;
  };
  double r = start_;
  auto need = [&](double v) {
    if (v < 0.0 || r < 0.0) {
      r = -1.0;
    } else {
      r = std::max(r, v);
    }
  };
  switch (s) {
    case kIn:
      if (p > 0) need(dep(p - 1, kOut, k));
      need(dep(p, kCompute, k - 2));  // the input register image k - 2 held is free
      break;
    case kCompute:
      need(dep(p, kIn, k));
      need(dep(p, kReduce, k - 2));
      break;
    case kReduce:
      need(dep(p, kCompute, k));
      need(dep(p, kOut, k - 2));
      break;
    default:
      need(dep(p, kReduce, k));
      break;
  }
  return r;
}

void Timeline::schedule(std::size_t p, int s, const LayerSteps& d, int layer) {
  Front& f = fronts_[p][static_cast<std::size_t>(s)];
  const double r = ready(p, s);
  double end = r;
  double begin = r;
  auto stream = [&](double buffer_cycles, double link_cycles) {
    const double link = has_link_ ? link_cycles : 0.0;
    double start = r;
    if (buffer_cycles > 0.0) start = std::max(start, buffer_.earliest(r));
    if (link > 0.0) start = std::max(start, link_.earliest(r));
    if (buffer_cycles > 0.0) buffer_.hold(start, buffer_cycles);
    if (link > 0.0) link_.hold(start, link);
    begin = start;
    end = start + std::max(buffer_cycles, link);
  };
  auto own = [&](Resource& res, double cycles) {
    if (cycles <= 0.0) return;
    const double start = res.earliest(r);
    res.hold(start, cycles);
    end = start + cycles;
  };
  Span& span = spans_[static_cast<std::size_t>(layer)];
  switch (s) {
    case kIn:
      stream(d.in_buffer, d.in_link);
      span.begin = std::min(span.begin, begin);
      break;
    case kCompute:
      own(tiles_[static_cast<std::size_t>(layer)], d.compute);
      break;
    case kReduce:
      own(adders_[static_cast<std::size_t>(layer)], d.reduce);
      break;
    default: {
      stream(d.out_buffer, d.out_link);
      span.end = std::max(span.end, end);
      Exits& e = exits_[static_cast<std::size_t>(layer)];
      if (e.count == 0) e.first = end;
      e.last = end;
      ++e.count;
      if (p + 1 == fronts_.size() && f.next == 0) first_latency_ = end - start_;
      break;
    }
  }
  f.end.push_back(end);
  ++f.next;
  end_ = std::max(end_, end);
}

void Timeline::run(const std::vector<LayerSteps>& steps, const std::vector<int>& order, std::int64_t count) {
  assert(steps.size() == tiles_.size() && order_.empty());
  order_ = order;
  fronts_.resize(order_.size());
  for (auto& p : fronts_) {
    for (Front& f : p) f.end.reserve(static_cast<std::size_t>(count));
  }
  target_ = count;
  const std::size_t positions = order_.size();
  while (true) {
    // The eligible step that becomes ready first (ties: the earlier position, then step).
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_p = 0;
    int best_s = -1;
    for (std::size_t p = 0; p < positions; ++p) {
      for (int s = 0; s < kSteps; ++s) {
        if (fronts_[p][static_cast<std::size_t>(s)].next >= target_) continue;
        const double r = ready(p, s);
        if (r >= 0.0 && r < best) {
          best = r;
          best_p = p;
          best_s = s;
        }
      }
    }
    if (best_s < 0) break;
    const int layer = order_[best_p];
    schedule(best_p, best_s, steps[static_cast<std::size_t>(layer)], layer);
  }
}

double Timeline::interval(int l) const {
  const Exits& e = exits_[static_cast<std::size_t>(l)];
  return e.count > 1 ? (e.last - e.first) / static_cast<double>(e.count - 1) : 0.0;
}

double Timeline::utilisation(const Resource& r) const {
  const double span = end_ - start_;
  return span > 0.0 ? r.busy() / (static_cast<double>(r.servers()) * span) : 0.0;
}

void Timeline::add_busy(std::vector<ResourceUse>& uses) const {
  if (uses.empty()) {
    uses.push_back({buffer_.name(), buffer_.servers(), -1, 0.0});
    if (has_link_) uses.push_back({link_.name(), link_.servers(), -1, 0.0});
    for (std::size_t l = 0; l < tiles_.size(); ++l) {
      uses.push_back({tiles_[l].name(), tiles_[l].servers(), static_cast<int>(l), 0.0});
      uses.push_back({adders_[l].name(), adders_[l].servers(), static_cast<int>(l), 0.0});
    }
  }
  if (uses.size() != 1 + (has_link_ ? 1 : 0) + 2 * tiles_.size()) {
    throw std::logic_error("timeline: add_busy on uses of another timeline");
  }
  std::size_t i = 0;
  uses[i++].busy += buffer_.busy();
  if (has_link_) uses[i++].busy += link_.busy();
  for (std::size_t l = 0; l < tiles_.size(); ++l) {
    uses[i++].busy += tiles_[l].busy();
    uses[i++].busy += adders_[l].busy();
  }
}

const Resource& Timeline::bottleneck(int l) const {
  const Resource* best = &tiles(l);
  for (const Resource* r : {&adders(l), &buffer_, &link_}) {
    if (utilisation(*r) > utilisation(*best)) best = r;
  }
  return *best;
}

}  // namespace xbarsim::arch
