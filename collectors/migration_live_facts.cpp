// The live statement of the migration_progress collector and its rows read into LiveFacts.
#include "collectors/migration_live_facts.h"

#include <sstream>

namespace mexp {
namespace {

// The sessions part of the full statement: what a running migration's holder is (transaction,
// client) and who waits behind whom. pg_stat_activity and pg_blocking_pids are the expensive part
// of the statement, and they are only needed while some tool's lock is held.
const std::string kSessionsAndWaiters =
    "SELECT 'session', a.pid, a.backend_xid::text, host(a.client_addr), a.client_hostname,"
    "  h.held, EXTRACT(EPOCH FROM now() - a.xact_start)::float8,"
    "  EXTRACT(EPOCH FROM a.backend_start)::float8"
    "  FROM pg_catalog.pg_stat_activity a JOIN this_database d ON a.datid = d.oid"
    "  LEFT JOIN advisory_locks h ON h.pid = a.pid"
    "  WHERE a.pid <> pg_catalog.pg_backend_pid() "
    "UNION ALL "
    "SELECT 'waiter', w.pid, array_to_string(pg_catalog.pg_blocking_pids(w.pid), ','), NULL,"
    "  NULL, NULL,"
    "  GREATEST(0, EXTRACT(EPOCH FROM now() - coalesce(w.waitstart, a.query_start, now())))"
    "::float8, NULL"
    "  FROM lock_rows w LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = w.pid"
    "  WHERE NOT w.granted";

// The probe's sessions part: advisory locks held here, by backend, and nothing else.
const std::string kAdvisoryHolders =
    "SELECT 'session', h.pid, NULL, NULL, NULL, h.held, NULL, 0::float8 FROM advisory_locks h";

// The statement's first common table expressions: this database, the locks of other backends,
// the ACCESS EXCLUSIVE ones here and the advisory locks held here by backend.
std::string lock_ctes(int server_version) {
  const std::string waitstart = server_version >= 140000 ? "l.waitstart" : "NULL::timestamptz";
  return "WITH this_database AS ("
         "  SELECT d.oid, d.datname FROM pg_catalog.pg_database d"
         "  WHERE d.datname = pg_catalog.current_database()), "
         "lock_rows AS MATERIALIZED ("
         "  SELECT l.locktype, l.database, l.relation, l.classid, l.objid, l.objsubid, l.mode,"
         "    l.granted, l.pid, " +
         waitstart +
         " AS waitstart"
         "  FROM pg_catalog.pg_locks l"
         "  WHERE l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()), "
         "exclusive_locks AS ("
         "  SELECT l.relation, l.pid, l.granted FROM lock_rows l JOIN this_database d"
         "    ON l.database = d.oid"
         "  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'), "
         "advisory_locks AS ("
         "  SELECT l.pid, string_agg(l.classid || ':' || l.objid || ':' || l.objsubid, ',') AS held"
         "  FROM lock_rows l JOIN this_database d ON l.database = d.oid"
         "  WHERE l.locktype = 'advisory' AND l.granted GROUP BY l.pid) ";
}

// A table's ACCESS EXCLUSIVE holders (c4) and requests (n1), for the table rows.
const std::string kExclusiveColumns =
    "  (SELECT string_agg(e.pid::text, ',') FROM exclusive_locks e"
    "    WHERE e.relation = t.oid AND e.granted) AS c4,"
    "  (SELECT count(*) FROM exclusive_locks e WHERE e.relation = t.oid)::float8 AS n1, ";

// Rows of the live statement (row_kind, pid, c1..c4, n1, n2):
//   database  c1 = current_database(), c2 = hex SHA-256 of it (PostgreSQL 11+, else NULL)
//   table     a table whose name a tool uses: pid = its oid, c1 = schema, c2 = name, c3 = which
//             of the columns asked for ($2) it has, comma-joined, c4 = pids holding ACCESS
//             EXCLUSIVE on it, n1 = ACCESS EXCLUSIVE requests on it (granted or waiting), n2 = 1
//             if readable
//   session   a backend connected to this database: c1 = backend_xid, c2 = client address,
//             c3 = client host name, c4 = advisory locks it holds here ("classid:objid:objsubid",
//             comma-joined), n1 = age of its open transaction in seconds, n2 = backend_start.
//             With LiveDetail::locks only the backends holding advisory locks here, c4 alone.
//   waiter    a backend anywhere waiting for a lock: c1 = pg_blocking_pids (comma-joined),
//             n1 = seconds waited (from pg_locks.waitstart; before PostgreSQL 14 from the waiting
//             statement's start, an upper bound). LiveDetail::sessions only.
std::string live_statement(int server_version, LiveDetail detail) {
  const std::string sha256 =
      server_version >= 110000
          ? "encode(pg_catalog.sha256(convert_to(pg_catalog.current_database(), 'UTF8')), 'hex')"
          : "NULL::text";
  return lock_ctes(server_version) +
         ", candidate_tables AS ("
         "  SELECT c.oid, n.nspname, c.relname,"
         "    pg_catalog.has_schema_privilege(n.oid, 'USAGE')"
         "      AND pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable,"
         "    (SELECT string_agg(a.attname, ',') FROM pg_catalog.pg_attribute a"
         "      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
         "        AND a.attname = ANY($2::text[])) AS columns"
         "  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
         "  WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p')) "
         "SELECT 'database' AS row_kind, NULL::bigint AS pid, d.datname::text AS c1, " +
         sha256 +
         " AS c2, NULL::text AS c3, NULL::text AS c4, NULL::float8 AS n1, NULL::float8 AS n2"
         "  FROM this_database d "
         "UNION ALL "
         "SELECT 'table', t.oid::bigint, t.nspname::text, t.relname::text, t.columns," +
         kExclusiveColumns +
         "  CASE WHEN t.readable THEN 1 ELSE 0 END::float8"
         "  FROM candidate_tables t "
         "UNION ALL " +
         (detail == LiveDetail::locks ? kAdvisoryHolders : kSessionsAndWaiters);
}

// The probe without the catalog: the same table rows (c1..c3 and n2 NULL) for the oids in $1,
// and the advisory locks held here. Its own lock read keeps only the rows it reports (this
// database's ACCESS EXCLUSIVE locks and granted advisory locks) and counts each table's in one
// grouped join: the full statement's correlated subqueries over every lock row cost more than
// pg_locks itself at one probe every 5 s.
constexpr const char* kLiveLocksStatement =
    "WITH lock_rows AS MATERIALIZED ("
    "  SELECT l.locktype, l.relation, l.classid, l.objid, l.objsubid, l.granted, l.pid"
    "  FROM pg_catalog.pg_locks l"
    "  WHERE l.database = (SELECT d.oid FROM pg_catalog.pg_database d"
    "                     WHERE d.datname = pg_catalog.current_database())"
    "    AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()"
    "    AND (l.locktype = 'advisory' AND l.granted"
    "         OR l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock')) "
    "SELECT 'table' AS row_kind, t.oid::bigint AS pid, NULL::text AS c1, NULL::text AS c2,"
    "  NULL::text AS c3, string_agg(e.pid::text, ',') FILTER (WHERE e.granted) AS c4,"
    "  count(e.relation)::float8 AS n1, NULL::float8 AS n2"
    "  FROM unnest($1::oid[]) AS t(oid)"
    "  LEFT JOIN lock_rows e ON e.locktype = 'relation' AND e.relation = t.oid"
    "  GROUP BY t.oid "
    "UNION ALL "
    "SELECT 'session', h.pid, NULL, NULL, NULL,"
    "  string_agg(h.classid || ':' || h.objid || ':' || h.objsubid, ','), NULL, 0::float8"
    "  FROM lock_rows h WHERE h.locktype = 'advisory' GROUP BY h.pid";

}  // namespace

std::set<std::string> split_list(std::string_view text, char separator) {
  std::set<std::string> items;
  std::string item;
  std::istringstream stream{std::string(text)};
  while (std::getline(stream, item, separator)) {
    if (!item.empty()) items.insert(item);
  }
  return items;
}

namespace {

// Reads the rows of either statement into `facts`. A table row without a name (the locks-only
// statement) updates the lock fields of the table of that oid already in `facts`.
void read_rows(const PgResult& result, LiveFacts& facts) {
  const int kind = result.column("row_kind"), pid = result.column("pid"), c1 = result.column("c1"),
            c2 = result.column("c2"), c3 = result.column("c3"), c4 = result.column("c4"),
            n1 = result.column("n1"), n2 = result.column("n2");
  for (int row = 0; row < result.rows(); ++row) {
    const std::string_view row_kind = result.text(row, kind);
    if (row_kind == "database") {
      facts.database = {std::string(result.text(row, c1)), std::string(result.text(row, c2))};
    } else if (row_kind == "table") {
      const std::string oid(result.text(row, pid));
      std::vector<int> holders;
      for (const auto& holder : split_list(result.text(row, c4), ','))
        holders.push_back(std::stoi(holder));
      const bool requested = result.number(row, n1) > 0;
      if (result.is_null(row, c1)) {
        for (auto& table : facts.tables) {
          if (table.oid != oid) continue;
          table.exclusive_holders = std::move(holders);
          table.exclusive_requested = requested;
          break;
        }
        continue;
      }
      facts.tables.push_back({std::string(result.text(row, c1)), std::string(result.text(row, c2)),
                              split_list(result.text(row, c3), ','), std::move(holders), requested,
                              result.number(row, n2) > 0, oid});
    } else if (row_kind == "session") {
      facts.sessions[static_cast<int>(result.number(row, pid))] = {
          std::string(result.text(row, c1)), std::string(result.text(row, c2)),
          std::string(result.text(row, c3)), split_list(result.text(row, c4), ','),
          result.optional_number(row, n1),   result.number(row, n2)};
    } else if (row_kind == "waiter") {
      const int waiter = static_cast<int>(result.number(row, pid));
      facts.graph.add_waiter(waiter, parse_pid_list(result.text(row, c1)));
      facts.wait_seconds[waiter] = result.number(row, n1);
    }
  }
}

}  // namespace

LiveFacts read_live_facts(PgSession& session, const std::set<std::string>& table_names,
                          const std::set<std::string>& columns, LiveDetail detail) {
  const auto result = session.query(live_statement(session.server_version(), detail),
                                    {pg_text_array(table_names), pg_text_array(columns)});
  LiveFacts facts;
  read_rows(result, facts);
  return facts;
}

LiveFacts read_live_locks(PgSession& session, const LiveFacts& catalog) {
  LiveFacts facts;
  facts.database = catalog.database;
  facts.tables = catalog.tables;
  std::string oids(1, '{');
  for (auto& table : facts.tables) {
    table.exclusive_holders.clear();
    table.exclusive_requested = false;
    if (oids.size() > 1) oids.push_back(',');
    oids.append(table.oid);
  }
  oids.push_back('}');
  read_rows(session.query(kLiveLocksStatement, {oids}), facts);
  return facts;
}

}  // namespace mexp
