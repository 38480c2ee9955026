#include "arch/accumulator.hpp"

#include <fmt/format.h>

#include "arch/module_path.hpp"

namespace xbarsim::arch {

Accumulator::Accumulator(const sc_core::sc_module_name& name, const periphery::Sram& sram, Ledger& ledger,
                         double clock_period_s, std::optional<Phase> first_phase)
    : sc_module(name),
      socket("socket"),
      sram_(sram),
      ledger_(ledger),
      path_(ledger_path(*this)),
      period_(clock_period_s, sc_core::SC_SEC) {
  socket.register_b_transport(this, &Accumulator::b_transport);
  if (first_phase) set_phase(*first_phase);
}

void Accumulator::set_phase(Phase phase) {
  if (const std::optional<Counters>& declared = phases_[index(phase)]) {
    current_ = *declared;
    return;
  }
  const std::string base = fmt::format("{}/{}", arch::name(phase), path_);
  Counters c;
  c.read = ledger_.declare(base, "word_read", sram_.read_energy_per_word(),
                           sram_.read_energy_per_bit().source + " x word bits");
  c.write = ledger_.declare(base, "word_write", sram_.write_energy_per_word(),
                            sram_.write_energy_per_bit().source + " x word bits");
  phases_[index(phase)] = c;
  current_ = c;
}

long long Accumulator::cycles_for(std::uint64_t bits) const {
  const auto wb = static_cast<std::uint64_t>(sram_.word_bits());
  const auto words = (bits + wb - 1) / wb;
  const auto per_cycle = static_cast<std::uint64_t>(sram_.banks());  // one port, its banks interleaved
  if (words == 0) return 0;
  return static_cast<long long>((words + per_cycle - 1) / per_cycle) + sram_.latency_cycles() - 1;
}

void Accumulator::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  BufferOp* op = nullptr;
  trans.get_extension(op);
  if (op == nullptr) {
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const auto wb = static_cast<std::uint64_t>(sram_.word_bits());
  op->words = (op->bits + wb - 1) / wb;
  op->cycles = cycles_for(op->bits);
  ledger_.add(op->kind == BufferOp::Kind::kRead ? current_.read : current_.write, op->words);
  delay += period_ * static_cast<double>(op->cycles);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace xbarsim::arch
