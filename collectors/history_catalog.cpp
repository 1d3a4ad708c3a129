// Which migration-history tables the history collector reads (see the header).
#include "collectors/history_catalog.h"

#include <algorithm>
#include <set>

#include "collectors/history_statement.h"
#include "collectors/relation_identity.h"
#include "collectors/relation_scope.h"

namespace mexp {
namespace {

// Whether reading the relation `oid` would queue behind an ACCESS EXCLUSIVE lock: one held or
// awaited on it, one of its indexes or its TOAST table, or, for a view, on a relation it reads
// directly (needs kExclusiveLockedCte).
std::string locked_expression(const std::string& oid) {
  return oid +
         " IN (SELECT oid FROM exclusive_locked) OR EXISTS (SELECT FROM pg_catalog.pg_rewrite r "
         "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND "
         "d.objid = r.oid WHERE r.ev_class = " +
         oid +
         " AND d.refclassid = 'pg_catalog.pg_class'::regclass "
         "AND d.refobjid IN (SELECT oid FROM exclusive_locked))";
}

std::vector<WatchedTable> read_tables(PgSession& session, const HistoryLookup& lookup) {
  std::vector<std::string> names, companions;
  for (const auto& tool : history_tools()) {
    names.insert(names.end(), tool.table_names.begin(), tool.table_names.end());
    companions.insert(companions.end(), tool.companion_tables.begin(), tool.companion_tables.end());
  }
  for (const auto& table : lookup.tables) names.push_back(table.table);
  // Columns and companion tables come back joined by chr(31), for the tools' requirements.
  // Column 6 says whether the statement would queue behind an ACCESS EXCLUSIVE lock: one held or
  // awaited on the table, one of its indexes or its TOAST table, or, for a view, on a relation it
  // reads directly; column 7 is the oid, for the lock checks of the polls that follow.
  auto result = session.query(
      "WITH" + std::string(kExclusiveLockedCte) +
          " SELECT n.nspname, c.relname, has_schema_privilege(n.oid, 'USAGE') AND "
          "has_table_privilege(c.oid, 'SELECT'), "
          "(SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, NULL), chr(31)) "
          "FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT "
          "a.attisdropped), "
          "(SELECT string_agg(s.relname, chr(31)) FROM pg_catalog.pg_class s "
          "WHERE s.relnamespace = c.relnamespace AND s.relname = ANY($2::text[])), "
          "c.relkind IN ('r', 'p', 'm'), " +
          locked_expression("c.oid") +
          ", c.oid::text "
          "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
          "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname = ANY($1::text[]) "
          "AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ORDER BY 1, 2",
      {pg_text_array(names), pg_text_array(companions)});
  std::vector<WatchedTable> tables;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& explicit_table : lookup.tables) {
    WatchedTable watched{find_history_tool(explicit_table.tool),
                         explicit_table.schema,
                         explicit_table.table,
                         false,
                         false,
                         true,
                         false,
                         {},
                         {}};
    for (int row = 0; row < result.rows(); ++row) {
      if (result.text(row, 0) == watched.schema && result.text(row, 1) == watched.table) {
        watched.found = true;
        watched.readable = result.boolean(row, 2);
        watched.has_row_versions = result.boolean(row, 5);
        watched.exclusive_locked = result.boolean(row, 6);
        watched.oid = std::string(result.text(row, 7));
        watched.missing_columns =
            missing_history_columns(*watched.tool, split_units(result.text(row, 3)));
      }
    }
    seen.emplace(watched.schema, watched.table);
    tables.push_back(std::move(watched));
  }
  if (!lookup.auto_detect) return tables;
  for (int row = 0; row < result.rows(); ++row) {
    const std::string schema(result.text(row, 0));
    const std::string table(result.text(row, 1));
    if (seen.contains({schema, table})) continue;
    if (!lookup.schemas.empty() &&
        std::find(lookup.schemas.begin(), lookup.schemas.end(), schema) == lookup.schemas.end()) {
      continue;
    }
    // A table of a known name whose columns fit no tool belongs to something else: skip it.
    const auto* tool = match_history_tool(table, split_units(result.text(row, 3)),
                                          split_units(result.text(row, 4)));
    if (tool != nullptr)
      tables.push_back({tool,
                        schema,
                        table,
                        result.boolean(row, 2),
                        true,
                        result.boolean(row, 5),
                        result.boolean(row, 6),
                        {},
                        std::string(result.text(row, 7))});
  }
  return tables;
}

// The tables found last, their locks checked again: one lock check per found table, from pg_locks
// and the index lookups of kExclusiveLockedCte.
void check_locks(PgSession& session, std::vector<WatchedTable>& tables) {
  std::string oids(1, '{');
  for (const auto& table : tables) {
    if (table.oid.empty()) continue;
    if (oids.size() > 1) oids.push_back(',');
    oids.append(table.oid);
  }
  oids.push_back('}');
  const auto result =
      session.query("WITH" + std::string(kExclusiveLockedCte) + " SELECT t.oid::text, " +
                        locked_expression("t.oid") + " FROM unnest($1::oid[]) AS t(oid)",
                    {oids});
  for (auto& table : tables) {
    table.exclusive_locked = false;
    for (int row = 0; row < result.rows(); ++row) {
      if (result.text(row, 0) == table.oid) table.exclusive_locked = result.boolean(row, 1);
    }
  }
}

}  // namespace

std::vector<WatchedTable> HistoryCatalog::find(PgSession& session, const HistoryLookup& lookup,
                                               Clock::time_point now) {
  // Read before the catalogs: a change in between makes the next poll read them again.
  auto signal = read_catalog_signal(session);
  if (tables_ && signal && signal == signal_ && now - read_at_ < kMaxAge) {
    auto tables = *tables_;
    check_locks(session, tables);
    return tables;
  }
  auto tables = read_tables(session, lookup);
  tables_ = tables;
  signal_ = std::move(signal);
  read_at_ = now;
  ++reads_;
  return tables;
}

}  // namespace mexp
