// Who may hold a connection: a cap on regular connections, a share of it per client address, and
// a separate allowance of short-lived probe-only connections past the cap, so that a client that
// opens hundreds of idle connections can neither take every slot nor starve /healthz and /readyz.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mexp {

struct SlotLimits {
  std::size_t max_connections = 512;  // regular connections (keep-alive, any path)
  std::size_t per_client = 256;       // regular connections one client address may hold
  std::size_t probe_only = 512;       // connections past those limits, for one probe request each
};

// The limits for a process whose file descriptor limit is `nofile` (RLIMIT_NOFILE): every
// connection is a descriptor, and the exporter keeps `reserved` for its database sessions, log
// and event loop. The configured numbers are lowered, never raised. Rationale: a cap the process
// cannot honour turns into accept() failing with EMFILE instead of a clean refusal.
SlotLimits fit_to_descriptors(SlotLimits wanted, std::size_t nofile, std::size_t reserved = 64);

// Raises the soft RLIMIT_NOFILE to the hard one (as the Go runtime does for every exporter) and
// returns the soft limit in force.
std::size_t raise_descriptor_limit();

enum class SlotKind {
  regular,     // served as usual
  probe_only,  // one request, read under a short deadline: probes are answered, the rest get 503
  refused,     // closed at once: even the probe-only allowance is taken
};

class ConnectionSlots {
 public:
  explicit ConnectionSlots(SlotLimits limits) : limits_(limits) {}

  // Held by a connection for its lifetime; gives its slot back when destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    ~Slot() { release(); }
    SlotKind kind() const { return kind_; }

   private:
    friend class ConnectionSlots;
    void release();
    ConnectionSlots* owner_ = nullptr;
    SlotKind kind_ = SlotKind::refused;
    boost::asio::ip::address client_;
  };

  Slot acquire(const boost::asio::ip::address& client);
  const SlotLimits& limits() const { return limits_; }
  std::size_t regular_in_use() const;
  std::size_t probe_only_in_use() const;

 private:
  void release(SlotKind kind, const boost::asio::ip::address& client);

  const SlotLimits limits_;
  mutable std::mutex mutex_;
  std::size_t regular_ = 0;
  std::size_t probe_only_ = 0;
  std::map<boost::asio::ip::address, std::size_t> per_client_;  // regular slots by address
};

}  // namespace mexp
