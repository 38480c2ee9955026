#include "workloads/insitu_checkpoint.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/checkpoint_file.hpp"
#include "core/error.hpp"
#include "core/report.hpp"

namespace xbarsim::workloads {
namespace {

void put_time(std::ostream& out, const TrainingTime& t) {
  for (const double v : {t.initial_write_s, t.forward_s, t.backward_s, t.accumulator_s, t.programming_s, t.verify_s}) {
    out.write(reinterpret_cast<const char*>(&v), sizeof v);
  }
  const std::uint64_t n = t.busy.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  for (const arch::ResourceUse& u : t.busy) out.write(reinterpret_cast<const char*>(&u.busy), sizeof u.busy);
}

void get_time(std::istream& in, TrainingTime& t) {
  for (double* v : {&t.initial_write_s, &t.forward_s, &t.backward_s, &t.accumulator_s, &t.programming_s, &t.verify_s}) {
    in.read(reinterpret_cast<char*>(v), sizeof *v);
  }
}

// The busy cycles of `timeline`'s resources (names and servers from the chip being resumed);
// false when the checkpoint holds another number of them (another configuration).
bool get_busy(std::istream& in, const arch::Timeline& timeline, std::vector<arch::ResourceUse>& busy) {
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in) return false;
  if (n == 0) return true;  // saved before the first job
  timeline.add_busy(busy);
  if (n != busy.size()) return false;
  for (arch::ResourceUse& u : busy) in.read(reinterpret_cast<char*>(&u.busy), sizeof u.busy);
  return static_cast<bool>(in);
}

}  // namespace

void save_insitu_checkpoint(const std::filesystem::path& file, const InsituProgress& progress, const InsituState& state,
                            std::string_view config) {
  std::ostringstream out(std::ios::binary);
  out.write(reinterpret_cast<const char*>(&progress.epoch), sizeof progress.epoch);
  put_time(out, progress.time);
  out.write(reinterpret_cast<const char*>(&progress.program_events), sizeof progress.program_events);
  out.write(reinterpret_cast<const char*>(&progress.pulses), sizeof progress.pulses);
  out << state.shuffle_rng.engine() << '\n' << state.rule_rng.engine() << '\n';
  state.rule.save(out);
  state.bias_optimizer.save(out);
  save_vectors(out, state.biases);
  state.chip.save_state(out);
  state.ledger.save(out);
  const std::string js = progress.epochs.dump();
  const std::uint64_t len = js.size();
  out.write(reinterpret_cast<const char*>(&len), sizeof len);
  out << js;
  write_checkpoint_file(file, config, out.str());
}

InsituProgress load_insitu_checkpoint(const std::filesystem::path& file, const InsituState& state,
                                      std::string_view config, const std::filesystem::path& config_file, int epochs) {
  // The envelope vouches for the bytes (checksum) and the configuration; what follows checks
  // that they fit this chip and network (a bug, or a file written by hand with a valid CRC).
  std::istringstream in(read_checkpoint_file(file, config, config_file), std::ios::binary);
  const auto refuse = [&file](std::string_view what) {
    return DataError(fmt::format("{}: {}; start the run again", file.string(), what));
  };
  InsituProgress p;
  try {
    in.exceptions(std::ios::failbit | std::ios::badbit);
    in.read(reinterpret_cast<char*>(&p.epoch), sizeof p.epoch);
    if (p.epoch < 1 || p.epoch > epochs) {
      throw refuse(fmt::format("epoch {} out of range (1 to the run's {} epochs)", p.epoch, epochs));
    }
    get_time(in, p.time);
    if (!get_busy(in, state.chip.controller().timeline(), p.time.busy)) {
      throw refuse("its timeline resources do not match this chip");
    }
    in.read(reinterpret_cast<char*>(&p.program_events), sizeof p.program_events);
    in.read(reinterpret_cast<char*>(&p.pulses), sizeof p.pulses);
    in >> state.shuffle_rng.engine();
    in.ignore(1);
    in >> state.rule_rng.engine();
    in.ignore(1);
    state.rule.load(in);
    std::vector<Eigen::Index> bias_sizes;
    for (const auto& b : state.biases) bias_sizes.push_back(b.size());
    state.bias_optimizer.load(in, bias_sizes);
    load_vectors(in, state.biases);
    state.chip.load_state(in);
    if (!state.ledger.load(in)) throw refuse("its energy ledger does not match this chip");
    std::uint64_t len = 0;
    in.read(reinterpret_cast<char*>(&len), sizeof len);
    if (len != bytes_left(in)) throw refuse("its epoch records do not end it");
    std::string js(len, '\0');
    in.read(js.data(), static_cast<std::streamsize>(len));
    p.epochs = nlohmann::json::parse(js);
  } catch (const std::ios_base::failure&) {
    throw refuse("its content does not fit this chip and network");
  } catch (const nlohmann::json::exception&) {
    throw refuse("its epoch records are not JSON");
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const UserError*>(&e) != nullptr) throw;
    throw refuse(e.what());
  }
  if (!p.epochs.is_array() || p.epochs.size() != static_cast<std::size_t>(p.epoch)) {
    throw refuse(fmt::format("{} epoch records for epoch {}", p.epochs.size(), p.epoch));
  }
  return p;
}

}  // namespace xbarsim::workloads
