// The table of migration-tool locks, and the key derivations some tools use. Every constant and
// formula here is from shared/reference/migration-tools.md (which cites each tool's source).
#include "collectors/migration_locks.h"

#include <zlib.h>

#include <cstdio>

namespace mexp {
namespace {

std::uint32_t crc32_of(const std::string& text) {
  return static_cast<std::uint32_t>(
      ::crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

std::string strip_suffix(const std::string& name, const std::string& suffix) {
  if (name.size() > suffix.size() && name.ends_with(suffix))
    return name.substr(0, name.size() - suffix.size());
  return name;
}

// Confiture's second key: the first four bytes of SHA-256(database name), big-endian, masked to
// a non-negative int4. The server computes the hash (sha256(), PostgreSQL 11+).
std::vector<AdvisoryLockId> confiture_locks(const DatabaseFacts& database) {
  if (database.sha256_hex.size() < 8) return {};
  std::uint32_t prefix = 0;
  if (std::sscanf(database.sha256_hex.substr(0, 8).c_str(), "%8x", &prefix) != 1) return {};
  return {int_pair_advisory_lock(1751936052, static_cast<std::int32_t>(prefix & 0x7FFFFFFFu))};
}

using AdvisoryLocks = decltype(ToolLock::advisory_locks);

TableShape table(std::string name, std::vector<std::string> columns, std::string schema = {},
                 std::vector<std::string> absent_columns = {}) {
  return {std::move(schema), std::move(name), std::move(columns), std::move(absent_columns)};
}

ToolLock advisory(std::string tool, LockKind kind, TableShape history, AdvisoryLocks locks) {
  return {std::move(tool), kind, {std::move(history)}, std::move(locks), {}};
}

ToolLock fixed_key(std::string tool, TableShape history, std::int64_t key) {
  return advisory(std::move(tool), LockKind::advisory_fixed, std::move(history),
                  [key](const DatabaseFacts&, const std::string&, const std::string&) {
                    return std::vector<AdvisoryLockId>{bigint_advisory_lock(key)};
                  });
}

ToolLock lock_table(std::string tool, TableShape lock, LockTableReading reading) {
  return {std::move(tool), LockKind::lock_table, {std::move(lock)}, {}, std::move(reading)};
}

std::vector<ToolLock> build_tool_locks() {
  std::vector<ToolLock> tools;
  // Flyway: pg_try_advisory_xact_lock(key) by default (flyway.postgresql.transactional.lock),
  // session-level pg_try_advisory_lock(key) when that setting is false. Same key either way.
  tools.push_back(advisory(
      "flyway", LockKind::advisory_table,
      table("flyway_schema_history", {"installed_rank", "version", "script", "success"}),
      [](const DatabaseFacts&, const std::string& schema, const std::string& name) {
        return std::vector<AdvisoryLockId>{bigint_advisory_lock(flyway_lock_key(schema, name))};
      }));
  // golang-migrate: session pg_advisory_lock(key), key from schema, table and database name. The
  // CLI passes the URL path as the database name, leading slash included: both forms are watched.
  tools.push_back(advisory(
      "golang-migrate", LockKind::advisory_table, table("schema_migrations", {"version", "dirty"}),
      [](const DatabaseFacts& database, const std::string& schema, const std::string& name) {
        return std::vector<AdvisoryLockId>{
            bigint_advisory_lock(golang_migrate_lock_key(schema, name, database.name)),
            bigint_advisory_lock(golang_migrate_lock_key(schema, name, "/" + database.name))};
      }));
  // Rails: session pg_try_advisory_lock(key) on its own connection, key from the database name.
  tools.push_back(advisory(
      "rails", LockKind::advisory_database, table("schema_migrations", {"version"}, {}, {"dirty"}),
      [](const DatabaseFacts& database, const std::string&, const std::string&) {
        return std::vector<AdvisoryLockId>{bigint_advisory_lock(rails_lock_key(database.name))};
      }));
  // Confiture: session pg_advisory_lock(1751936052, <from the database name>).
  tools.push_back(advisory("confiture", LockKind::advisory_database,
                           table("tb_confiture", {"slug", "version"}),
                           [](const DatabaseFacts& database, const std::string&,
                              const std::string&) { return confiture_locks(database); }));
  tools.push_back(fixed_key(
      "prisma", table("_prisma_migrations", {"migration_name", "finished_at"}), 72707369));
  tools.push_back(
      fixed_key("sqitch", table("changes", {"change_id", "committed_at"}, "sqitch"), 75474063));
  tools.push_back(
      fixed_key("node-pg-migrate", table("pgmigrations", {"name", "run_on"}), 7241865325823964));
  tools.push_back(
      fixed_key("graphile-migrate",
                table("migrations", {"hash", "previous_hash", "filename"}, "graphile_migrate"),
                4727445306447283));
  tools.push_back(fixed_key(
      "atlas", table("atlas_schema_revisions", {"version", "execution_time", "operator_version"}),
      2686470616));
  // goose's Provider API has two opt-in lockers: a session advisory lock, and a lock table with a
  // 30 s lease kept alive by a heartbeat. Both label the goose history table.
  tools.push_back(
      fixed_key("goose", table("goose_db_version", {"version_id", "is_applied"}), 4097083626));
  tools.push_back(lock_table(
      "goose", table("goose_lock", {"lock_id", "locked", "locked_at", "lease_expires_at"}),
      {"locked", "locked_at", "locked_by::text", "lease_expires_at", false,
       [](const std::string&) { return std::string("goose_db_version"); }}));
  // Liquibase: UPDATE databasechangeloglock SET locked = TRUE, lockgranted = NOW(), lockedby =
  // '<host> (<address>)', committed before the changesets run. lockgranted has no time zone: it is
  // read in the exporter session's TimeZone. The history table is the lock table's name without
  // its "lock" suffix (databasechangelog).
  tools.push_back(lock_table(
      "liquibase", table("databasechangeloglock", {"id", "locked", "lockgranted", "lockedby"}),
      {"locked", "lockgranted::timestamptz", "lockedby::text", "NULL", true,
       [](const std::string& lock) { return strip_suffix(lock, "lock"); }}));
  // Knex: UPDATE <table>_lock SET is_locked = 1 WHERE is_locked = 0, inside the migration
  // transaction unless transactions are disabled.
  tools.push_back(
      lock_table("knex", table("knex_migrations_lock", {"index", "is_locked"}),
                 {"is_locked = 1", "NULL", "NULL", "NULL", false,
                  [](const std::string& lock) { return strip_suffix(lock, "_lock"); }}));
  // EF Core 9+ (Npgsql): LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE inside the
  // migration transaction.
  tools.push_back({"efcore",
                   LockKind::table_lock,
                   {table("__EFMigrationsHistory", {"MigrationId", "ProductVersion"})},
                   {},
                   {}});
  return tools;
}

}  // namespace

AdvisoryLockId bigint_advisory_lock(std::int64_t key) {
  const auto bits = static_cast<std::uint64_t>(key);
  return {static_cast<std::uint32_t>(bits >> 32), static_cast<std::uint32_t>(bits & 0xFFFFFFFFu),
          1};
}

AdvisoryLockId int_pair_advisory_lock(std::int32_t key1, std::int32_t key2) {
  return {static_cast<std::uint32_t>(key1), static_cast<std::uint32_t>(key2), 2};
}

std::string to_string(const AdvisoryLockId& lock) {
  return std::to_string(lock.classid) + ":" + std::to_string(lock.objid) + ":" +
         std::to_string(lock.objsubid);
}

const std::vector<ToolLock>& tool_locks() {
  static const std::vector<ToolLock> tools = build_tool_locks();
  return tools;
}

const ToolLock* find_tool_lock(const std::string& tool) {
  for (const auto& entry : tool_locks()) {
    if (entry.tool == tool) return &entry;
  }
  return nullptr;
}

std::int32_t java_string_hash(const std::string& utf8) {
  std::uint32_t hash = 0;  // unsigned: Java's int overflow wraps, C++'s signed overflow is UB
  const auto add_unit = [&hash](std::uint32_t unit) { hash = hash * 31u + unit; };
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    std::uint32_t code_point = length == 1   ? lead
                               : length == 2 ? lead & 0x1Fu
                               : length == 3 ? lead & 0x0Fu
                                             : lead & 0x07u;
    for (std::size_t k = 1; k < length && i + k < utf8.size(); ++k)
      code_point = (code_point << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3Fu);
    i += length;
    if (code_point > 0xFFFF) {  // Java strings are UTF-16: a surrogate pair
      code_point -= 0x10000;
      add_unit(0xD800 + (code_point >> 10));
      add_unit(0xDC00 + (code_point & 0x3FF));
    } else {
      add_unit(code_point);
    }
  }
  return static_cast<std::int32_t>(hash);
}

std::int64_t flyway_lock_key(const std::string& schema, const std::string& table) {
  const auto quote = [](const std::string& identifier) {
    std::string quoted = "\"";
    for (char c : identifier) {
      if (c == '"') quoted += '"';
      quoted += c;
    }
    return quoted + "\"";
  };
  constexpr std::int64_t kFlywayMagic = 0x466C79776179;  // "Flyway" in ASCII
  return kFlywayMagic + java_string_hash(quote(schema) + "." + quote(table));
}

std::int64_t rails_lock_key(const std::string& database) {
  constexpr std::int64_t kMigratorSalt = 2053462845;
  return kMigratorSalt * static_cast<std::int64_t>(crc32_of(database));
}

std::int64_t golang_migrate_lock_key(const std::string& schema, const std::string& table,
                                     const std::string& database) {
  const std::string joined =
      schema + std::string(1, '\0') + table + std::string(1, '\0') + database;
  return static_cast<std::uint32_t>(crc32_of(joined) * 1486364155u);
}

}  // namespace mexp
