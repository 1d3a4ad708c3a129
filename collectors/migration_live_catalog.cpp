// The migration_progress probe's catalog part kept between polls (see the header).
#include "collectors/migration_live_catalog.h"

#include "collectors/relation_identity.h"

namespace mexp {

LiveFacts LiveCatalog::probe(PgSession& session, const std::set<std::string>& table_names,
                             const std::set<std::string>& columns, Clock::time_point now) {
  // Read before the catalogs: a change in between makes the next probe read them again.
  auto signal = read_catalog_signal(session);
  if (catalog_ && signal && signal == signal_ && now - read_at_ < kMaxAge)
    return read_live_locks(session, *catalog_);
  auto facts = read_live_facts(session, table_names, columns, LiveDetail::locks);
  catalog_ = LiveFacts{};
  catalog_->database = facts.database;
  catalog_->tables = facts.tables;
  signal_ = std::move(signal);
  read_at_ = now;
  ++reads_;
  return facts;
}

}  // namespace mexp
