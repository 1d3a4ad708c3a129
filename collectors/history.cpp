// The history collector: finds every known migration-history table (auto-detected by name, plus
// tables named in the config), and exports the migration_* history families for each, computed
// on the server with one statement per table (a 100k-row history never crosses the wire).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "collectors/collector.h"
#include "collectors/history_tools.h"
#include "exporter/log.h"

namespace mexp {
namespace {

constexpr double kDurationBuckets[] = {0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
constexpr const char* kLockNotAvailable = "55P03";

struct ExplicitTable {
  std::string tool, schema, table;
};

struct Options {
  bool auto_detect = true;
  std::vector<std::string> schemas;  // empty: every non-system schema
  int info_limit = 10;
  std::vector<ExplicitTable> tables;
};

struct WatchedTable {
  const HistoryTool* tool;
  std::string schema, table;
  bool readable = false;
  bool found = false;
  std::vector<std::string> missing_columns;  // a configured table that is not this tool's shape
};

// What the collector remembers of a table between polls to see its current version move back.
struct VersionTrail {
  std::optional<std::string> last_key;   // version_key of the last current version seen
  std::optional<double> explained_rows;  // undo and delete rows at the last poll
  double observed_rollbacks = 0;         // backward moves not explained by recorded rows
};

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Splits a string_agg(..., chr(31)) result.
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
  for (double bound : kDurationBuckets) {
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

class HistoryFamilies {
 public:
  HistoryFamilies()
      : up_(gauge_family("migration_history_up",
                         "Whether the history table could be read (1) or not (0).")),
        applied_(gauge_family("migration_applied",
                              "Successful migration runs recorded in the history table "
                              "(repeatables count each run).")),
        failed_(gauge_family("migration_failed",
                             "Failed migration runs recorded in the history table.")),
        rollbacks_(gauge_family("migration_rollbacks",
                                "Rollbacks: undo runs recorded in the history table, plus moves of "
                                "the current version to a lower one seen between polls without a "
                                "recorded undo (since the exporter started).")),
        last_applied_(gauge_family(
            "migration_last_applied_timestamp_seconds",
            "When the latest migration run (any outcome) started, as a Unix timestamp.")),
        last_success_(
            gauge_family("migration_last_success_timestamp_seconds",
                         "When the latest successful migration run started, as a Unix timestamp.")),
        last_failure_(
            gauge_family("migration_last_failure_timestamp_seconds",
                         "When the latest failed migration run started, as a Unix timestamp.")),
        current_(
            gauge_family("migration_current_version_info",
                         "The highest applied version and its description (value is always 1).")),
        duration_(histogram_family("migration_duration_seconds",
                                   "Recorded execution times of successful migration runs.")),
        last_duration_(gauge_family("migration_last_duration_seconds",
                                    "Execution time of the latest migration run.")),
        info_(gauge_family("migration_info", "The most recent history rows (value is always 1).")) {
  }

  prometheus::MetricFamily& up() { return up_; }

  void add(const HistoryTool& tool, const Labels& labels, const PgResult& result,
           double observed_rollbacks) {
    for (int row = 0; row < result.rows(); ++row) {
      const std::string_view kind = result.text(row, 0);
      if (kind == "summary") {
        if (tool.records_history) add_gauge(applied_, labels, result.number(row, 1));
        if (tool.orders_versions)
          add_gauge(rollbacks_, labels, result.number(row, 3) + observed_rollbacks);
        add_optional(last_applied_, labels, result.optional_number(row, 4));
        add_optional(last_success_, labels, result.optional_number(row, 5));
        if (tool.records_failures) {
          add_gauge(failed_, labels, result.number(row, 2));
          add_optional(last_failure_, labels, result.optional_number(row, 6));
        }
        if (tool.records_duration) {
          add_optional(last_duration_, labels, result.optional_number(row, 7));
          HistogramValue histogram;
          histogram.count = static_cast<std::uint64_t>(result.number(row, 8));
          histogram.sum = result.number(row, 9);
          std::istringstream counts{std::string(result.text(row, 10))};
          std::string count;
          for (double bound : kDurationBuckets) {
            if (!std::getline(counts, count, ',')) break;
            histogram.buckets.emplace_back(bound, std::stoull(count));
          }
          add_histogram(duration_, labels, histogram);
        }
      } else if (kind == "current") {
        add_gauge(current_,
                  with_labels(labels, {{"version", result.text(row, 1)},
                                       {"description", result.text(row, 2)}}),
                  1);
      } else if (kind == "recent") {
        add_gauge(info_,
                  with_labels(labels, {{"version", result.text(row, 1)},
                                       {"description", result.text(row, 2)},
                                       {"type", result.text(row, 3)},
                                       {"script", result.text(row, 4)},
                                       {"installed_by", result.text(row, 5)},
                                       {"success", result.text(row, 6)}}),
                  1);
      }
    }
  }

  std::vector<prometheus::MetricFamily> take() {
    return {std::move(up_),           std::move(applied_),
            std::move(failed_),       std::move(rollbacks_),
            std::move(last_applied_), std::move(last_success_),
            std::move(last_failure_), std::move(current_),
            std::move(duration_),     std::move(last_duration_),
            std::move(info_)};
  }

 private:
  static void add_optional(prometheus::MetricFamily& family, const Labels& labels,
                           std::optional<double> value) {
    if (value) add_gauge(family, labels, *value);
  }

  prometheus::MetricFamily up_, applied_, failed_, rollbacks_, last_applied_, last_success_,
      last_failure_, current_, duration_, last_duration_, info_;
};

class HistoryCollector : public Collector {
 public:
  explicit HistoryCollector(Options options) : options_(std::move(options)) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    HistoryFamilies families;
    std::map<std::pair<std::string, std::string>, PgResult> cached_next;
    for (auto& table : find_tables(context.session)) {
      const Labels labels = with_labels(
          context.base_labels,
          {{"tool", table.tool->name}, {"schema", table.schema}, {"table", table.table}});
      if (!table.found || !table.readable || !table.missing_columns.empty()) {
        std::string why = "configured history table not found";
        if (table.found && !table.readable) {
          why = "no SELECT privilege on history table (grant it to the monitoring role)";
        } else if (table.found) {
          why = "table lacks the tool's columns:";
          for (const auto& column : table.missing_columns) why += " " + column;
        }
        warn_once(table, why);
        add_gauge(families.up(), labels, 0);
        continue;
      }
      const auto key = std::make_pair(table.schema, table.table);
      auto& trail = trails_[key];
      try {
        auto result = context.session.query(
            history_statement(*table.tool, context.session.escape_identifier(table.schema) + "." +
                                               context.session.escape_identifier(table.table)),
            {std::to_string(options_.info_limit), trail.last_key});
        follow_current_version(result, trail);
        add_gauge(families.up(), labels, 1);
        families.add(*table.tool, labels, result, trail.observed_rollbacks);
        cached_next.insert_or_assign(key, std::move(result));
        warned_.erase(key);
      } catch (const PgError& error) {
        if (error.connection_lost()) throw;
        auto cached = cache_.find(key);
        if (error.sqlstate() == kLockNotAvailable && cached != cache_.end()) {
          // A migration holds a lock on the history table itself: report what we read last poll
          // rather than queue behind it or flap migration_history_up.
          add_gauge(families.up(), labels, 1);
          families.add(*table.tool, labels, cached->second, trail.observed_rollbacks);
          cached_next.insert_or_assign(key, std::move(cached->second));
          continue;
        }
        warn_once(table, error.what());
        add_gauge(families.up(), labels, 0);
      }
    }
    cache_ = std::move(cached_next);
    return families.take();
  }

 private:
  // A current version lower than last poll's, with no new undo or delete row to explain it, is a
  // rollback the table did not record (a down migration that deleted its row, golang-migrate's
  // version going back). A poll without a current version (all reverted, golang-migrate dirty)
  // keeps the last key, so the move is judged when a version shows again.
  static void follow_current_version(const PgResult& result, VersionTrail& trail) {
    std::optional<double> explained_before = trail.explained_rows;
    for (int row = 0; row < result.rows(); ++row) {
      const std::string_view kind = result.text(row, 0);
      if (kind == "summary") {
        trail.explained_rows = result.number(row, 12);
        if (result.text(row, 11) == "true" && explained_before &&
            *trail.explained_rows <= *explained_before) {
          trail.observed_rollbacks += 1;
        }
      } else if (kind == "current" && !result.is_null(row, 3)) {
        trail.last_key = std::string(result.text(row, 3));
      }
    }
  }

  std::vector<WatchedTable> find_tables(PgSession& session) {
    std::vector<std::string> names, companions;
    for (const auto& tool : history_tools()) {
      names.insert(names.end(), tool.table_names.begin(), tool.table_names.end());
      companions.insert(companions.end(), tool.companion_tables.begin(),
                        tool.companion_tables.end());
    }
    for (const auto& table : options_.tables) names.push_back(table.table);
    // Columns and companion tables come back joined by chr(31), for the tools' requirements.
    auto result = session.query(
        "SELECT n.nspname, c.relname, has_schema_privilege(n.oid, 'USAGE') AND "
        "has_table_privilege(c.oid, 'SELECT'), "
        "(SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, NULL), chr(31)) "
        "FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT "
        "a.attisdropped), "
        "(SELECT string_agg(s.relname, chr(31)) FROM pg_catalog.pg_class s "
        "WHERE s.relnamespace = c.relnamespace AND s.relname = ANY($2::text[])) "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname = ANY($1::text[]) "
        "AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ORDER BY 1, 2",
        {pg_text_array(names), pg_text_array(companions)});
    std::vector<WatchedTable> tables;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& explicit_table : options_.tables) {
      WatchedTable watched{find_history_tool(explicit_table.tool),
                           explicit_table.schema,
                           explicit_table.table,
                           false,
                           false,
                           {}};
      for (int row = 0; row < result.rows(); ++row) {
        if (result.text(row, 0) == watched.schema && result.text(row, 1) == watched.table) {
          watched.found = true;
          watched.readable = result.boolean(row, 2);
          watched.missing_columns =
              missing_history_columns(*watched.tool, split_units(result.text(row, 3)));
        }
      }
      seen.emplace(watched.schema, watched.table);
      tables.push_back(std::move(watched));
    }
    if (!options_.auto_detect) return tables;
    for (int row = 0; row < result.rows(); ++row) {
      const std::string schema(result.text(row, 0));
      const std::string table(result.text(row, 1));
      if (seen.contains({schema, table})) continue;
      if (!options_.schemas.empty() && std::find(options_.schemas.begin(), options_.schemas.end(),
                                                 schema) == options_.schemas.end()) {
        continue;
      }
      // A table of a known name whose columns fit no tool belongs to something else: skip it.
      const auto* tool = match_history_tool(table, split_units(result.text(row, 3)),
                                            split_units(result.text(row, 4)));
      if (tool != nullptr)
        tables.push_back({tool, schema, table, result.boolean(row, 2), true, {}});
    }
    return tables;
  }

  void warn_once(const WatchedTable& table, const std::string& why) {
    if (warned_.insert({table.schema, table.table}).second) {
      log::warn("history table unreadable", {{"tool", table.tool->name},
                                             {"schema", table.schema},
                                             {"table", table.table},
                                             {"err", why}});
    }
  }

  Options options_;
  std::map<std::pair<std::string, std::string>, PgResult> cache_;
  std::map<std::pair<std::string, std::string>, VersionTrail> trails_;
  std::set<std::pair<std::string, std::string>> warned_;
};

std::unique_ptr<Collector> make_history_collector(CollectorOptions& options) {
  Options parsed;
  parsed.auto_detect = options.get_bool("auto_detect", true);
  parsed.schemas = options.get_strings("schemas", {});
  parsed.info_limit = static_cast<int>(options.get_int("info_limit", 10, 0, 1000));
  if (const auto* node = options.get_node("tables")) {
    const auto* array = node->as_array();
    if (array == nullptr) {
      options.error_at(
          *node, "tables",
          "must be an array of tables: [{ tool = \"flyway\", schema = \"app\", table = \"...\" }]");
    } else {
      int index = 0;
      for (const auto& element : *array) {
        const std::string key = "tables[" + std::to_string(index++) + "]";
        const auto* entry = element.as_table();
        if (entry == nullptr) {
          options.error_at(element, key, "must be a table with tool, schema and table");
          continue;
        }
        ExplicitTable table;
        bool complete = true;
        for (const auto& [field, target] :
             {std::pair<const char*, std::string*>{"tool", &table.tool},
              {"schema", &table.schema},
              {"table", &table.table}}) {
          const auto* value = entry->get(field);
          if (value == nullptr || !value->is_string() || value->value<std::string>()->empty()) {
            options.error_at(element, key + "." + field, "is required (a non-empty string)");
            complete = false;
          } else {
            *target = *value->value<std::string>();
          }
        }
        for (const auto& [field, value] : *entry) {
          if (field != "tool" && field != "schema" && field != "table") {
            options.error_at(value, key + "." + std::string(field.str()), "unknown key");
          }
        }
        if (complete && find_history_tool(table.tool) == nullptr) {
          std::string known;
          for (const auto& tool : history_tools()) known += (known.empty() ? "" : ", ") + tool.name;
          options.error_at(*entry->get("tool"), key + ".tool",
                           "unknown tool '" + table.tool + "' (known: " + known + ")");
          complete = false;
        }
        if (complete) parsed.tables.push_back(std::move(table));
      }
    }
  }
  return std::make_unique<HistoryCollector>(std::move(parsed));
}

const bool registered = register_collector({
    .name = "history",
    .description = "Migration history tables (Flyway and others): applied, failed, current "
                   "version, durations.",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = make_history_collector,
});

}  // namespace
}  // namespace mexp
