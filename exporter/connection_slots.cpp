// Slot accounting for the HTTP listener, and the descriptor budget it is sized from.
#include "exporter/connection_slots.h"

#include <sys/resource.h>

#include <algorithm>

namespace mexp {

SlotLimits fit_to_descriptors(SlotLimits wanted, std::size_t nofile, std::size_t reserved) {
  // What is left after the reserve is split: three quarters for regular connections, the rest for
  // probe-only ones (a probe needs one short-lived descriptor, a scraper a kept-alive one).
  const std::size_t usable = nofile > reserved + 4 ? nofile - reserved : 4;
  SlotLimits fitted = wanted;
  fitted.max_connections =
      std::max<std::size_t>(1, std::min(wanted.max_connections, usable * 3 / 4));
  fitted.probe_only =
      std::max<std::size_t>(1, std::min(wanted.probe_only, usable - fitted.max_connections));
  fitted.per_client = std::max<std::size_t>(1, std::min(wanted.per_client, fitted.max_connections));
  return fitted;
}

std::size_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return 1 << 20;
  return static_cast<std::size_t>(limit.rlim_cur);
}

ConnectionSlots::Slot& ConnectionSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    kind_ = other.kind_;
    client_ = other.client_;
  }
  return *this;
}

void ConnectionSlots::Slot::release() {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->release(kind_, client_);
}

ConnectionSlots::Slot ConnectionSlots::acquire(const boost::asio::ip::address& address) {
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: one client, one key.
  auto client = address;
  if (client.is_v6() && client.to_v6().is_v4_mapped())
    client = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, client.to_v6());
  Slot slot;
  slot.client_ = client;
  std::lock_guard lock(mutex_);
  auto& held = per_client_[client];
  if (regular_ < limits_.max_connections && held < limits_.per_client) {
    ++regular_;
    ++held;
    slot.kind_ = SlotKind::regular;
  } else if (probe_only_ < limits_.probe_only) {
    ++probe_only_;
    slot.kind_ = SlotKind::probe_only;
  } else {
    slot.kind_ = SlotKind::refused;
  }
  if (held == 0) per_client_.erase(client);
  if (slot.kind_ != SlotKind::refused) slot.owner_ = this;
  return slot;
}

void ConnectionSlots::release(SlotKind kind, const boost::asio::ip::address& client) {
  std::lock_guard lock(mutex_);
  if (kind == SlotKind::probe_only) {
    --probe_only_;
    return;
  }
  --regular_;
  if (const auto held = per_client_.find(client); held != per_client_.end() && --held->second == 0)
    per_client_.erase(held);
}

std::size_t ConnectionSlots::regular_in_use() const {
  std::lock_guard lock(mutex_);
  return regular_;
}

std::size_t ConnectionSlots::probe_only_in_use() const {
  std::lock_guard lock(mutex_);
  return probe_only_;
}

}  // namespace mexp
