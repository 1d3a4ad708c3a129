// The history collector: finds every known migration-history table (auto-detected by name, plus
// tables named in the config), and exports the migration_* history families for each, computed
// on the server with one statement per table (a 100k-row history never crosses the wire).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "collectors/history_catalog.h"
#include "collectors/history_families.h"
#include "collectors/history_pacing.h"
#include "collectors/history_statement.h"
#include "collectors/history_tools.h"
#include "core/collector.h"
#include "core/log.h"
#include "sources/source_pairing.h"

namespace mexp {
namespace {

constexpr const char* kLockNotAvailable = "55P03";
constexpr const char* kQueryCanceled = "57014";  // what statement_timeout raises

struct Options {
  HistoryLookup lookup;  // which tables (auto-detected, in which schemas; configured)
  int info_limit = 10;
  HistoryPacingOptions pacing;
  SourcePairings sources;  // tables paired with their migration files (sources/)
};

// Last poll's result of a table, kept to serve while the table is unchanged (same fingerprint)
// or locked by a migration.
struct CachedResult {
  PgResult result;
  std::optional<std::string> fingerprint;
};

// What the collector remembers of a table between polls to see its current version move back.
struct VersionTrail {
  std::optional<std::string> last_key;   // version_key of the last current version seen
  std::optional<double> explained_rows;  // undo and delete rows at the last poll
  double observed_rollbacks = 0;         // backward moves not explained by recorded rows
};

class HistoryCollector : public Collector {
 public:
  explicit HistoryCollector(Options options)
      : options_(std::move(options)), pacing_(options_.pacing) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    HistoryFamilies families;
    std::map<std::pair<std::string, std::string>, CachedResult> cached_next;
    auto tables = catalog_.find(context.session, options_.lookup, HistoryCatalog::Clock::now());
    double dropped = 0, skipped_locked = 0, deferred = 0;
    if (pacing_.max_tables() > 0 && tables.size() > pacing_.max_tables()) {
      dropped = static_cast<double>(tables.size() - pacing_.max_tables());
      tables.resize(pacing_.max_tables());
    }
    std::vector<HistoryPacing::Key> keys;
    for (const auto& table : tables) keys.emplace_back(table.schema, table.table);
    for (const std::size_t index : pacing_.begin_poll(keys)) {
      const auto& table = tables[index];
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
      const auto& key = keys[index];
      auto& trail = trails_[key];
      auto cached = cache_.find(key);
      // Last poll's values, as if read now: for a table not read this poll on purpose.
      const auto serve_cached = [&] {
        if (cached == cache_.end()) return false;
        add_gauge(families.up(), labels, 1);
        families.add(*table.tool, labels, cached->second.result, trail.observed_rollbacks);
        options_.sources.observe(context.session, *table.tool, table.schema, table.table, labels,
                                 false);
        cached_next.insert_or_assign(key, std::move(cached->second));
        return true;
      };
      if (table.exclusive_locked) {
        // Checked in pg_locks first, as the tables collector does: the exporter never joins the
        // lock queue of a migration altering its own history table.
        ++skipped_locked;
        serve_cached();
        continue;
      }
      if (pacing_.over_budget()) {
        ++deferred;
        serve_cached();
        continue;
      }
      if (pacing_.skip_backing_off(key)) {
        add_gauge(families.up(), labels, 0);
        continue;
      }
      try {
        std::optional<std::string> last_fingerprint;
        if (cached != cache_.end()) last_fingerprint = cached->second.fingerprint;
        CachedResult read{
            context.session.query(
                history_statement(*table.tool,
                                  context.session.escape_identifier(table.schema) + "." +
                                      context.session.escape_identifier(table.table),
                                  table.has_row_versions),
                {std::to_string(options_.info_limit), trail.last_key, last_fingerprint}),
            {}};
        read.fingerprint = fingerprint_of(read.result);
        const bool changed = !last_fingerprint || read.fingerprint != last_fingerprint;
        if (changed) {
          follow_current_version(read.result, trail);
        } else {
          // Unchanged since last poll: the statement skipped the rows, last poll's result stands.
          read.result = std::move(cached->second.result);
        }
        add_gauge(families.up(), labels, 1);
        families.add(*table.tool, labels, read.result, trail.observed_rollbacks);
        options_.sources.observe(context.session, *table.tool, table.schema, table.table, labels,
                                 changed);
        cached_next.insert_or_assign(key, std::move(read));
        warned_.erase(key);
        pacing_.read(key);
      } catch (const PgError& error) {
        if (error.connection_lost()) throw;
        // A lock taken after the pg_locks check: lock_timeout ended the wait. Report what we read
        // last poll rather than flap migration_history_up.
        if (error.sqlstate() == kLockNotAvailable && serve_cached()) continue;
        if (error.sqlstate() == kQueryCanceled) {
          pacing_.timed_out(key);
          warn_once(table, std::string(error.what()) + " (read again after " +
                               std::to_string(pacing_.polls_to_skip(key)) +
                               " skipped polls, doubling with each timeout up to " +
                               std::to_string(HistoryPacing::kMaxSkippedPolls) + ")");
        } else {
          pacing_.read(key);
          warn_once(table, error.what());
        }
        add_gauge(families.up(), labels, 0);
      }
    }
    cache_ = std::move(cached_next);
    auto result = families.take();
    for (auto& family : options_.sources.take()) result.push_back(std::move(family));
    // A database without history tables exports no history series at all, these included.
    if (tables.empty()) return result;
    const auto add_count = [&](const char* name, const char* help, double value) {
      result.push_back(gauge_family(name, help));
      add_gauge(result.back(), context.base_labels, value);
    };
    add_count("migration_exporter_history_tables_dropped",
              "History tables found but not exported because of the history collector's "
              "max_tables cap.",
              dropped);
    add_count("migration_exporter_history_tables_skipped_locked",
              "History tables not read in the last poll because an ACCESS EXCLUSIVE lock was held "
              "or awaited on them (their previous values were served).",
              skipped_locked);
    add_count("migration_exporter_history_tables_deferred",
              "History tables not read in the last poll because the history collector's budget "
              "was spent (their previous values were served; they are read first next poll).",
              deferred);
    add_count("migration_exporter_history_tables_backing_off",
              "History tables whose last read exceeded statement_timeout: read again only after "
              "1, 2, 4, ... up to 32 skipped polls.",
              static_cast<double>(pacing_.tables_backing_off()));
    result.push_back(counter_family(
        "migration_exporter_history_catalog_reads_total",
        "Polls that looked the history tables up in the catalogs (when the catalogs changed, and "
        "at least every minute); the others checked their locks in pg_locks only."));
    add_counter(result.back(), context.base_labels, catalog_.reads());
    return result;
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

  static std::optional<std::string> fingerprint_of(const PgResult& result) {
    for (int row = 0; row < result.rows(); ++row) {
      if (result.text(row, 0) == "summary" && !result.is_null(row, 13))
        return std::string(result.text(row, 13));
    }
    return std::nullopt;
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
  HistoryCatalog catalog_;
  HistoryPacing pacing_;
  std::map<std::pair<std::string, std::string>, CachedResult> cache_;
  std::map<std::pair<std::string, std::string>, VersionTrail> trails_;
  std::set<std::pair<std::string, std::string>> warned_;
};

std::unique_ptr<Collector> make_history_collector(CollectorOptions& options) {
  Options parsed;
  parsed.lookup.auto_detect = options.get_bool("auto_detect", true);
  parsed.lookup.schemas = options.get_strings("schemas", {});
  parsed.info_limit = static_cast<int>(options.get_int("info_limit", 10, 0, 1000));
  parsed.pacing.max_tables =
      static_cast<std::size_t>(options.get_int("max_tables", 50, 0, 1000000));
  parsed.pacing.budget = options.get_duration("budget", std::chrono::seconds(10));
  if (parsed.pacing.budget.count() <= 0) options.error("budget", "must be positive");
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
        if (complete) parsed.lookup.tables.push_back(std::move(table));
      }
    }
  }
  parsed.sources = SourcePairings(options);
  return std::make_unique<HistoryCollector>(std::move(parsed));
}

const bool registered = register_collector({
    .name = "history",
    .description = "Migration history tables (Flyway and others): applied, failed, current "
                   "version, durations.",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .per_database = true,
    .factory = make_history_collector,
});

}  // namespace
}  // namespace mexp
