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

}  // namespace

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
//            move (undo and delete rows)
//   current: version, description, version_key (the highest version whose latest state is
//            applied; every applied row for a tool that records only its current state)
//   recent:  version, description, type, script, installed_by, success (the latest $1 rows)
std::string history_statement(const HistoryTool& tool, const std::string& qualified_table) {
  std::string buckets;
  for (double bound : kHistoryDurationBuckets) {
    std::ostringstream bound_text;
    bound_text << bound;
    buckets += std::string(buckets.empty() ? "" : ", ") +
               "count(*) FILTER (WHERE success AND kind = 'apply' AND duration_seconds <= " +
               bound_text.str() + ")";
  }
  return "WITH h AS (" + replace_all(tool.normalized_sql, "{table}", qualified_table) +
         "), s AS (SELECT "
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
         "latest AS (SELECT * FROM h ORDER BY ordinal DESC LIMIT $1::int), "
         // Identical label sets would be duplicate series: keep the latest of each.
         "recent AS (SELECT DISTINCT ON (coalesce(version, ''), description, type, script, "
         "installed_by, success) "
         "* FROM latest ORDER BY coalesce(version, ''), description, type, script, installed_by, "
         "success, ordinal DESC) "
         "SELECT 'summary' AS row_kind, applied::text AS c1, failed::text AS c2, rollbacks::text "
         "AS c3, "
         "last_applied::text AS c4, last_success::text AS c5, last_failure::text AS c6, "
         "(SELECT duration_seconds FROM last_run)::text AS c7, duration_count::text AS c8, "
         "duration_sum::text AS c9, "
         "buckets AS c10, "
         "((SELECT max(version_key) FROM current_version) < $2::numeric[])::text AS c11, "
         "(SELECT count(*) FROM h WHERE success AND kind IN ('undo', 'delete'))::text AS c12 "
         "FROM s "
         "UNION ALL SELECT 'current', version, description, version_key::text, NULL, NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, NULL "
         "FROM current_version "
         "UNION ALL SELECT 'recent', coalesce(version, ''), coalesce(description, ''), "
         "coalesce(type, ''), coalesce(script, ''), coalesce(installed_by, ''), "
         "CASE WHEN success THEN 'true' ELSE 'false' END, NULL, NULL, NULL, NULL, NULL, NULL "
         "FROM recent";
}

}  // namespace mexp
