// Which backends of this database hold a migration tool's lock right now, by pid: the tools'
// locks as migration_locks.h describes them, matched against pg_locks in one catalog-only
// statement. For collectors that attribute what a backend does (DDL progress, schema changes) to
// the migration running it.
#pragma once

#include <map>
#include <string>

#include "core/pg_session.h"

namespace mexp {

struct MigrationLockHolder {
  std::string tool;
  std::string schema;  // the tool's history table, empty when it cannot be told (several found)
  std::string table;
};

// Lock-table tools (Liquibase, Knex, goose's lock table) are not included: their lock is a row,
// which names no backend. One statement; reads pg_locks, pg_class, pg_attribute, pg_namespace.
std::map<int, MigrationLockHolder> migration_lock_holders(PgSession& session);

}  // namespace mexp
