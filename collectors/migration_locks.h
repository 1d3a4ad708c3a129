// How each migration tool keeps two runs from migrating at once on PostgreSQL, described as data
// for the migration_progress collector (facts from shared/reference/migration-tools.md). Adding a
// tool means adding one entry to tool_locks() in migration_locks.cpp; the collector does not
// change.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mexp {

// An advisory lock as pg_locks shows it. pg_advisory_lock(bigint k) appears as classid = k >> 32,
// objid = k & 0xFFFFFFFF, objsubid = 1; pg_advisory_lock(int4 a, int4 b) as classid = a,
// objid = b, objsubid = 2.
struct AdvisoryLockId {
  std::uint32_t classid = 0;
  std::uint32_t objid = 0;
  int objsubid = 1;
  friend bool operator==(const AdvisoryLockId&, const AdvisoryLockId&) = default;
};
AdvisoryLockId bigint_advisory_lock(std::int64_t key);
AdvisoryLockId int_pair_advisory_lock(std::int32_t key1, std::int32_t key2);
// "classid:objid:objsubid", the form the collector's statement reports held locks in.
std::string to_string(const AdvisoryLockId& lock);

enum class LockKind {
  advisory_fixed,     // a constant advisory key
  advisory_database,  // an advisory key computed from the database name
  advisory_table,     // an advisory key computed from the history table's schema and name
  lock_table,         // a row in a table of the tool's says "locked"
  table_lock,         // LOCK TABLE <history table> IN ACCESS EXCLUSIVE MODE for the run
};

// A table the collector looks for in the catalog: by name (and schema when given), with `columns`
// present and `absent_columns` missing (to tell apart tools that share a table name).
struct TableShape {
  std::string schema;  // empty: any schema
  std::string name;
  std::vector<std::string> columns;
  std::vector<std::string> absent_columns;
};

// What the database tells us about itself, for keys derived from it.
struct DatabaseFacts {
  std::string name;        // current_database()
  std::string sha256_hex;  // hex SHA-256 of the name (computed by the server), empty if unknown
};

// For lock_table tools: SQL expressions over one row of the lock table, and how the history
// table it guards is named.
struct LockTableReading {
  std::string locked;       // boolean: this row says "locked"
  std::string since;        // timestamptz: when it was locked, or "NULL" if the tool records none
  std::string owner;        // text: who locked it, or "NULL"
  std::string lease_until;  // timestamptz: when the holder's lease ends, or "NULL"
  // The owner text is Liquibase's "<hostname>[<desc>] (<address>)": a session connected from
  // that address or host name is taken for the live holder.
  bool owner_names_client = false;
  std::function<std::string(const std::string& lock_table)> history_table;
};

struct ToolLock {
  std::string tool;  // the `tool` label
  LockKind kind;
  // advisory_fixed / advisory_database: the tool's history table (for the schema/table labels);
  // advisory_table / table_lock: the history tables the key or lock belongs to;
  // lock_table: the lock table.
  std::vector<TableShape> tables;
  // Advisory kinds: the locks a run holds. `schema`/`table` are set for advisory_table only.
  std::function<std::vector<AdvisoryLockId>(const DatabaseFacts& database,
                                            const std::string& schema, const std::string& table)>
      advisory_locks;
  LockTableReading reading;  // lock_table only
};

const std::vector<ToolLock>& tool_locks();
const ToolLock* find_tool_lock(const std::string& tool);

// Flyway's key for a history table: 0x466C79776179 ("Flyway") plus Java's String.hashCode() of
// the quoted, schema-qualified name "schema"."table" (embedded quotes doubled).
std::int64_t flyway_lock_key(const std::string& schema, const std::string& table);
// Java's String.hashCode() of UTF-8 text (hashed as Java's UTF-16 code units).
std::int32_t java_string_hash(const std::string& utf8);
// Rails: MIGRATOR_SALT (2053462845) times the CRC-32 of the database name.
std::int64_t rails_lock_key(const std::string& database);
// golang-migrate: uint32(CRC-32(schema \0 table \0 database) * 1486364155).
std::int64_t golang_migrate_lock_key(const std::string& schema, const std::string& table,
                                     const std::string& database);

}  // namespace mexp
