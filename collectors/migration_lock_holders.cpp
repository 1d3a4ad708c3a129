// Finds the backends holding a migration tool's advisory lock (fixed, per database or per history
// table key) or its ACCESS EXCLUSIVE lock on the history table (EF Core), in one statement.
#include "collectors/migration_lock_holders.h"

#include <set>
#include <sstream>
#include <vector>

#include "collectors/migration_locks.h"

namespace mexp {
namespace {

// Rows (kind, pid, a, b, c):
//   database   a = current_database(), b = hex SHA-256 of it (PostgreSQL 11+, else NULL)
//   table      a table a tool's lock names: a = schema, b = name, c = the asked-for columns ($2)
//              it has, comma-joined
//   advisory   an advisory lock granted here: pid, a = "classid:objid:objsubid"
//   exclusive  a granted ACCESS EXCLUSIVE lock on a table of such a name: pid, a = schema, b = name
std::string holders_statement(int server_version) {
  const std::string sha256 =
      server_version >= 110000
          ? "encode(pg_catalog.sha256(convert_to(pg_catalog.current_database(), 'UTF8')), 'hex')"
          : "NULL::text";
  return "WITH held AS ("
         "  SELECT l.pid, l.locktype, l.relation, l.classid, l.objid, l.objsubid"
         "  FROM pg_catalog.pg_locks l"
         "  WHERE l.granted AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()"
         "    AND l.database = (SELECT oid FROM pg_catalog.pg_database"
         "                      WHERE datname = pg_catalog.current_database())"
         "    AND (l.locktype = 'advisory'"
         "         OR (l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'))) "
         "SELECT 'database' AS kind, NULL::int AS pid, pg_catalog.current_database()::text AS a, " +
         sha256 +
         " AS b, NULL::text AS c "
         "UNION ALL "
         "SELECT 'table', NULL, n.nspname::text, c.relname::text,"
         "  (SELECT string_agg(a.attname, ',') FROM pg_catalog.pg_attribute a"
         "    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
         "      AND a.attname = ANY($2::text[]))"
         "  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
         "  WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p') "
         "UNION ALL "
         "SELECT 'advisory', h.pid, h.classid || ':' || h.objid || ':' || h.objsubid, NULL, NULL"
         "  FROM held h WHERE h.locktype = 'advisory' "
         "UNION ALL "
         "SELECT 'exclusive', h.pid, n.nspname::text, c.relname::text, NULL"
         "  FROM held h JOIN pg_catalog.pg_class c ON c.oid = h.relation"
         "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
         "  WHERE h.locktype = 'relation' AND c.relname = ANY($1::text[])";
}

struct CatalogTable {
  std::string schema, name;
  std::set<std::string> columns;
};

std::set<std::string> split_commas(std::string_view text) {
  std::set<std::string> items;
  std::string item;
  std::istringstream stream{std::string(text)};
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.insert(item);
  }
  return items;
}

bool fits(const TableShape& shape, const std::string& schema, const std::string& name,
          const std::set<std::string>& columns) {
  if (name != shape.name || (!shape.schema.empty() && schema != shape.schema)) return false;
  for (const auto& column : shape.columns) {
    if (!columns.contains(column)) return false;
  }
  for (const auto& column : shape.absent_columns) {
    if (columns.contains(column)) return false;
  }
  return true;
}

}  // namespace

std::map<int, MigrationLockHolder> migration_lock_holders(PgSession& session) {
  static const auto [names, columns] = [] {
    std::set<std::string> table_names, column_names;
    for (const auto& tool : tool_locks()) {
      for (const auto& shape : tool.tables) {
        table_names.insert(shape.name);
        column_names.insert(shape.columns.begin(), shape.columns.end());
        column_names.insert(shape.absent_columns.begin(), shape.absent_columns.end());
      }
    }
    return std::pair{pg_text_array(table_names), pg_text_array(column_names)};
  }();
  const auto result = session.query(holders_statement(session.server_version()), {names, columns});
  DatabaseFacts database;
  std::vector<CatalogTable> tables;
  std::map<std::string, std::set<int>> advisory;  // "classid:objid:objsubid" -> holders
  std::vector<std::pair<int, CatalogTable>> exclusive;
  for (int row = 0; row < result.rows(); ++row) {
    const std::string_view kind = result.text(row, 0);
    std::string a(result.text(row, 2)), b(result.text(row, 3));
    if (kind == "database") {
      database = {std::move(a), std::move(b)};
    } else if (kind == "table") {
      tables.push_back({std::move(a), std::move(b), split_commas(result.text(row, 4))});
    } else if (kind == "advisory") {
      advisory[a].insert(static_cast<int>(result.number(row, 1)));
    } else if (kind == "exclusive") {
      exclusive.emplace_back(static_cast<int>(result.number(row, 1)),
                             CatalogTable{std::move(a), std::move(b), {}});
    }
  }

  std::map<int, MigrationLockHolder> holders;
  const auto claim = [&](const std::vector<AdvisoryLockId>& locks, const MigrationLockHolder& who) {
    for (const auto& lock : locks) {
      const auto found = advisory.find(to_string(lock));
      if (found == advisory.end()) continue;
      for (int pid : found->second) holders.try_emplace(pid, who);
    }
  };
  for (const auto& tool : tool_locks()) {
    std::vector<const CatalogTable*> history;
    for (const auto& table : tables) {
      if (fits(tool.tables.front(), table.schema, table.name, table.columns))
        history.push_back(&table);
    }
    switch (tool.kind) {
      case LockKind::advisory_fixed:
      case LockKind::advisory_database: {
        const bool one = history.size() == 1;
        claim(tool.advisory_locks(database, "", ""),
              {tool.tool, one ? history.front()->schema : "", one ? history.front()->name : ""});
        break;
      }
      case LockKind::advisory_table:
        for (const auto* table : history) {
          claim(tool.advisory_locks(database, table->schema, table->name),
                {tool.tool, table->schema, table->name});
        }
        break;
      case LockKind::table_lock:
        for (const auto& [pid, locked] : exclusive) {
          for (const auto* table : history) {
            if (table->schema == locked.schema && table->name == locked.name)
              holders.try_emplace(pid, MigrationLockHolder{tool.tool, table->schema, table->name});
          }
        }
        break;
      case LockKind::lock_table:
        break;
    }
  }
  return holders;
}

}  // namespace mexp
