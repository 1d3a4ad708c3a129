// Builds the history statement from a tool's description (see history_statement.h).
#include "collectors/history_statement.h"

#include <sstream>

namespace mexp {
namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

const std::string kAdvisoryLocksHeld =
    "coalesce((SELECT string_agg(l.classid::text || ':' || l.objid::text || ':' || "
    "l.objsubid::text, ',' ORDER BY l.classid, l.objid, l.objsubid) "
    "FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
    "(SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())), '')";

}  // namespace

bool history_reads_locks(const HistoryTool& tool) {
  return tool.normalized_sql.find("pg_locks") != std::string::npos;
}

std::vector<std::string> split_units(std::string_view text) {
  std::vector<std::string> parts;
  if (text.empty()) return parts;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\x1f', start)) != std::string_view::npos;
       start = end + 1) {
    parts.emplace_back(text.substr(start, end - start));
  }
  parts.emplace_back(text.substr(start));
  return parts;
}

// One statement per table. It returns rows of three kinds, all as text in columns c1..c12:
//   summary: applied, failed, rollbacks, last_applied, last_success, last_failure, last_duration,
//            duration_count, duration_sum, comma-joined cumulative bucket counts, whether the
//            current version is below $2 (last poll's version_key), rows that explain such a
//            move (undo and delete rows), the table's fingerprint (NULL for a view), the
//            migrations whose latest row is a failure (unresolved failures)
//   current: version, description, version_key (the highest version whose latest state is
//            applied; every applied row for a tool that records only its current state)
//   recent:  version, description, type, script, installed_by, success (the latest $1 rows)
// When the fingerprint equals $3 the table is unchanged since the poll that returned it: the
// statement then reads no row of it beyond the fingerprint, and only the summary row's
// fingerprint means anything (the caller keeps the result of that poll).
std::string history_statement(const HistoryTool& tool, const std::string& qualified_table,
                              bool has_row_versions) {
  std::string buckets;
  for (double bound : kHistoryDurationBuckets) {
    std::ostringstream bound_text;
    bound_text << bound;
    buckets += std::string(buckets.empty() ? "" : ", ") +
               "count(*) FILTER (WHERE success AND kind = 'apply' AND duration_seconds <= " +
               bound_text.str() + ")";
  }
  // Any insert, update or delete gives the rows it writes the writing transaction's id as xmin
  // (an update writes a new row version), and that id is newer than every row seen before: so a
  // change always changes the count or raises the sum of xmin. The sum is taken as each row's
  // position relative to xid 3 measured with age() (an integer: twice as fast as a text cast of
  // xmin, ~0.5 ms a poll at 5,000 rows), which makes it independent of the current xid. A frozen
  // row reads as xmin 2, whose age() is INT_MAX: those are counted apart (freezing moves the
  // fingerprint once, harmlessly). Views and foreign tables have no xmin and are always read.
  std::string fingerprint = "SELECT NULL::text AS value";
  if (has_row_versions) {
    fingerprint =
        "SELECT count(*)::text || '/' || count(*) FILTER (WHERE age < 2147483647)::text || '/' || "
        "(count(*) FILTER (WHERE age < 2147483647) * age('3'::xid)::bigint - "
        "coalesce(sum(age) FILTER (WHERE age < 2147483647), 0))::text";
    // Tools whose rows read as running or failed depending on whether their advisory lock is held
    // (history_advisory_lock_held_sql) depend on pg_locks too: the advisory locks held in this
    // database are then part of the fingerprint.
    if (history_reads_locks(tool)) fingerprint += " || '/' || " + kAdvisoryLocksHeld;
    fingerprint +=
        " AS value FROM (SELECT age(xmin) AS age FROM " + qualified_table + ") AS row_ages";
  }
  // The normalised rows are read only when the fingerprint differs from $3 (last poll's): the
  // condition has no column in it, so the planner makes it a one-time filter that runs before
  // the table's rows are scanned at all.
  // Hostile values are made harmless once, here: a negative duration (a clock step, a hand-written
  // row) counts as 0 and a non-finite one as unknown, and a ±infinity timestamp as unknown, so
  // that neither a histogram nor a timestamp series is ever negative or infinite.
  return "WITH fingerprint AS (" + fingerprint +
         "), h AS (SELECT kind, version, version_key, description, type, script, installed_by, "
         "CASE WHEN isfinite(applied_at) THEN applied_at END AS applied_at, "
         "CASE WHEN duration_seconds::float8 > '-Infinity' AND duration_seconds::float8 < "
         "'Infinity' THEN greatest(duration_seconds::float8, 0) END AS duration_seconds, "
         "success, ordinal FROM (" +
         replace_all(tool.normalized_sql, "{table}", qualified_table) +
         ") AS normalized WHERE NOT coalesce((SELECT value FROM fingerprint) = $3::text, false)), "
         "s AS (SELECT "
         "count(*) FILTER (WHERE success AND kind = 'apply') AS applied, "
         "count(*) FILTER (WHERE NOT success AND kind IN ('apply', 'undo', 'baseline')) AS failed, "
         "count(*) FILTER (WHERE success AND kind = 'undo') AS rollbacks, "
         "extract(epoch FROM max(applied_at) FILTER (WHERE kind IN ('apply', 'undo', 'baseline'))) "
         "AS last_applied, "
         "extract(epoch FROM max(applied_at) FILTER (WHERE success AND kind IN ('apply', 'undo', "
         "'baseline'))) "
         "AS last_success, "
         "extract(epoch FROM max(applied_at) FILTER (WHERE NOT success AND kind IN ('apply', "
         "'undo', 'baseline'))) "
         "AS last_failure, "
         "count(duration_seconds) FILTER (WHERE success AND kind = 'apply') AS duration_count, "
         "coalesce(sum(duration_seconds) FILTER (WHERE success AND kind = 'apply'), 0) AS "
         "duration_sum, "
         "array_to_string(ARRAY[" +
         buckets +
         "], ',') AS buckets FROM h), "
         "last_run AS (SELECT duration_seconds FROM h WHERE kind IN ('apply', 'undo') ORDER BY "
         "ordinal DESC LIMIT 1), "
         // A version's state is its latest successful row (or a DELETE): an undo or delete after an
         // apply takes it out again.
         "states AS (SELECT DISTINCT ON (version) version, version_key, description, kind FROM h "
         "WHERE version IS NOT NULL AND ((success AND kind IN ('apply', 'undo', 'baseline')) OR "
         "kind = 'delete') "
         "ORDER BY version, ordinal DESC), "
         "current_version AS (SELECT version, description, version_key FROM states WHERE kind IN "
         "('apply', 'baseline') ORDER BY version_key DESC NULLS LAST, version DESC LIMIT " +
         std::string(tool.records_history ? "1" : "greatest($1::int, 1)") +
         "), "
         // The labels as exported (NULL and '' are both an empty label, NULL success is false).
         "latest AS (SELECT coalesce(version, '') AS version, coalesce(description, '') AS "
         "description, coalesce(type, '') AS type, coalesce(script, '') AS script, "
         "coalesce(installed_by, '') AS installed_by, "
         "CASE WHEN success THEN 'true' ELSE 'false' END AS success, ordinal "
         "FROM h ORDER BY ordinal DESC LIMIT $1::int), "
         // Identical label sets would be duplicate series: keep the latest of each.
         "recent AS (SELECT DISTINCT ON (version, description, type, script, installed_by, "
         "success) * FROM latest ORDER BY version, description, type, script, installed_by, "
         "success, ordinal DESC) "
         "SELECT 'summary' AS row_kind, applied::text AS c1, failed::text AS c2, rollbacks::text "
         "AS c3, "
         "last_applied::text AS c4, last_success::text AS c5, last_failure::text AS c6, "
         "(SELECT duration_seconds FROM last_run)::text AS c7, duration_count::text AS c8, "
         "duration_sum::text AS c9, "
         "buckets AS c10, "
         "((SELECT max(version_key) FROM current_version) < $2::numeric[])::text AS c11, "
         "(SELECT count(*) FROM h WHERE success AND kind IN ('undo', 'delete'))::text AS c12, "
         "(SELECT value FROM fingerprint) AS c13, "
         // A failure is resolved by any later row of the same migration: a success, an undo,
         // Flyway's repair (DELETE), golang-migrate's clean state after `force`.
         "(SELECT count(*) FROM (SELECT DISTINCT ON (coalesce(version, script, description, '')) "
         "success FROM h WHERE kind IN ('apply', 'undo', 'baseline', 'delete') ORDER BY "
         "coalesce(version, script, description, ''), ordinal DESC) AS latest_state WHERE NOT "
         "success)::text AS c14 "
         "FROM s "
         "UNION ALL SELECT 'current', version, description, version_key::text, NULL, NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
         "FROM current_version "
         "UNION ALL SELECT 'recent', version, description, type, script, installed_by, success, "
         "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM recent";
}

}  // namespace mexp
