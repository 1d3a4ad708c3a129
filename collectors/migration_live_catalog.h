// The migration_progress probe's catalog part (the database, the tables tools use), kept between
// polls while the catalogs stand still, so that most probes read pg_locks alone.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "collectors/migration_live_facts.h"
#include "core/pg_session.h"

namespace mexp {

// The probe runs every 5 s; looking the tools' tables up (names, columns, privileges) was half of
// its cost (0.27 ms at 2,000 tables), and they change only with the catalogs. The catalogs' change
// signal (relation_identity.h, NULL when it cannot be trusted) decides, and a catalog read at least
// every kMaxAge catches what the signal does not count (a role granted to the exporter's role
// changes its privileges without a pg_class or pg_namespace row).
class LiveCatalog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kMaxAge{60};

  // The probe's facts (LiveDetail::locks), from a full read or from the kept catalog part and
  // pg_locks.
  LiveFacts probe(PgSession& session, const std::set<std::string>& table_names,
                  const std::set<std::string>& columns, Clock::time_point now);
  // Full reads so far (a counter for the collector's self-metric).
  double reads() const { return reads_; }

 private:
  std::optional<std::string> signal_;
  std::optional<LiveFacts> catalog_;
  Clock::time_point read_at_{};
  double reads_ = 0;
};

}  // namespace mexp
