// Which relations the tables and indexes collectors report: schema and table name patterns and a
// top-N cap, read from the collector's options and handed to its one statement as parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector_options.h"
#include "core/pg_session.h"

namespace mexp {

struct RelationScope {
  // Each is one anchored PostgreSQL regular expression (the listed patterns joined with |), or
  // nullopt when the option is empty.
  std::optional<std::string> include_schemas;
  std::optional<std::string> exclude_schemas;
  std::optional<std::string> include_tables;
  std::optional<std::string> exclude_tables;
  std::int64_t limit = 0;  // 0 means no cap
};

// Reads include_schemas, exclude_schemas, include_tables, exclude_tables and `limit_key`.
RelationScope read_relation_scope(CollectorOptions& options, std::string_view limit_key,
                                  std::int64_t default_limit);

// One option's list of patterns as one anchored regular expression (nullopt when the list is
// empty), for collectors that filter by schema only.
std::optional<std::string> read_name_patterns(CollectorOptions& options, std::string_view key);

// $1 include_schemas, $2 exclude_schemas, $3 include_tables, $4 exclude_tables, $5 limit.
QueryParams relation_scope_params(const RelationScope& scope);

// The WHERE clause over columns schemaname and relname that applies $1..$4.
inline constexpr std::string_view kRelationScopeFilter = R"SQL(
      ($1::text IS NULL OR schemaname ~ $1) AND ($2::text IS NULL OR schemaname !~ $2)
  AND ($3::text IS NULL OR relname ~ $3) AND ($4::text IS NULL OR relname !~ $4))SQL";

// Relations whose sizes must not be measured this poll: every relation with a granted or waiting
// ACCESS EXCLUSIVE lock, and the table that owns it when it is an index, a TOAST table or a TOAST
// index (the size functions of the table open those too). A CTE named `exclusive_locked` with one
// column `oid`; AccessShareLock conflicts with no other mode, so no other lock can make a size
// function wait. Every step is an index lookup from the locked oids: a TOAST table's owner is
// found through the internal dependency PostgreSQL records between them, because pg_class has no
// index on reltoastrelid and joining on it scanned all of pg_class on every poll while any
// relation was locked (4.3 ms a statement at 2,000 tables with one table locked; 0.5 ms now).
inline constexpr std::string_view kExclusiveLockedCte = R"SQL(
exclusive_lock AS (
  SELECT DISTINCT relation AS oid
  FROM pg_locks
  WHERE locktype = 'relation' AND mode = 'AccessExclusiveLock'
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
),
exclusive_lock_or_its_table AS (
  SELECT oid FROM exclusive_lock
  UNION SELECT i.indrelid FROM pg_index i JOIN exclusive_lock l ON l.oid = i.indexrelid
),
exclusive_locked AS (
  SELECT oid FROM exclusive_lock_or_its_table
  UNION SELECT d.refobjid
  FROM exclusive_lock_or_its_table t
  JOIN pg_class toast ON toast.oid = t.oid AND toast.relkind = 't'
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = toast.oid
   AND d.objsubid = 0 AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'
))SQL";

// Tables being written, vacuumed or indexed right now, in this database: a CTE named
// `being_written` with one column `oid`. Their sizes may have changed although their statistics
// do not say so yet (rows are counted when their transaction ends, a VACUUM when it ends), so a
// size measurement measures them whatever their statistics say. Each such session holds a lock
// stronger than ROW SHARE on the table until then (ACCESS EXCLUSIVE ones are exclusive_locked,
// never measured).
inline constexpr std::string_view kBeingWrittenCte = R"SQL(
being_written AS (
  SELECT DISTINCT relation AS oid
  FROM pg_locks
  WHERE locktype = 'relation' AND granted
    AND mode IN ('RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock',
                 'ShareRowExclusiveLock', 'ExclusiveLock')
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
))SQL";

}  // namespace mexp
