// The discovered databases' sessions: reuse, least-recently-used eviction, connection counting.
#include "exporter/database_pool.h"

#include <algorithm>

#include "core/database_conninfo.h"

namespace mexp {

DatabaseSessionPool::DatabaseSessionPool(SessionSettings base, std::size_t capacity,
                                         const std::atomic<bool>* stop)
    : base_(std::move(base)), capacity_(std::max<std::size_t>(capacity, 1)), stop_(stop) {}

PgSession& DatabaseSessionPool::acquire(const std::string& dbname) {
  auto found = std::find_if(sessions_.begin(), sessions_.end(),
                            [&](const Entry& entry) { return entry.dbname == dbname; });
  if (found != sessions_.end()) {
    sessions_.splice(sessions_.begin(), sessions_, found);
  } else {
    // Make room before connecting, so that the server never sees capacity + 1 of our sessions.
    while (sessions_.size() >= capacity_) sessions_.pop_back();
    SessionSettings settings = base_;
    settings.conninfo = conninfo_for_database(base_.conninfo, dbname);
    sessions_.push_front({dbname, std::make_unique<PgSession>(std::move(settings), stop_)});
  }
  PgSession& session = *sessions_.front().session;
  if (!session.connected()) {
    ++connects_;
    try {
      session.connect();
    } catch (...) {
      sessions_.pop_front();  // a database that refuses us does not hold a slot
      throw;
    }
  }
  return session;
}

void DatabaseSessionPool::forget(const std::string& dbname) {
  sessions_.remove_if([&](const Entry& entry) { return entry.dbname == dbname; });
}

}  // namespace mexp
