// Runs a statement that measures relation sizes, retrying once when it lost the race the
// statement's pg_locks check cannot close.
#pragma once

#include <string_view>

#include "core/pg_session.h"

namespace mexp {

// The statement skips relations under an ACCESS EXCLUSIVE lock, but a lock requested after its
// pg_locks snapshot can still make a size function wait; lock_timeout then cancels it (SQLSTATE
// 55P03). One retry sees that lock in its own snapshot and skips the relation, so a migration that
// starts mid-poll costs at most one lock_timeout instead of a failed poll.
inline PgResult query_skipping_locked(PgSession& session, std::string_view sql,
                                      const QueryParams& params) {
  try {
    return session.query(sql, params);
  } catch (const PgError& error) {
    if (error.sqlstate() != "55P03") throw;
  }
  return session.query(sql, params);
}

}  // namespace mexp
