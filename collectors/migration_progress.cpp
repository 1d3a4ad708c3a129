// The migration_progress collector: is a migration running in this database right now, for how
// long, is it waiting, and how many sessions queue behind it. A running migration is recognised
// by the lock its tool takes (migration_locks.cpp describes each tool's lock as data): an advisory
// lock (fixed key, or computed from the database or the history table name), a row of a lock
// table (Liquibase, Knex, goose), or an ACCESS EXCLUSIVE lock on the history table (EF Core).
//
// A probe every poll reads pg_locks, and the catalog (which history and lock tables exist) when it
// changed (migration_live_catalog.h); only while a tool's lock is held does the full statement
// also read pg_stat_activity and pg_blocking_pids (live_statement in migration_live_facts.cpp).
// Only when lock tables exist does
// a statement read them; it is the one place the exporter reads a user table here, and it skips
// every lock table with an ACCESS EXCLUSIVE lock granted or requested, so that it never queues
// behind a migration (lock_timeout is the last guard). `read_lock_tables = false` turns that read
// off.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "collectors/blocking_graph.h"
#include "collectors/migration_live_catalog.h"
#include "collectors/migration_live_facts.h"
#include "collectors/migration_lock_tables.h"
#include "collectors/migration_locks.h"
#include "collectors/migration_progress_options.h"
#include "core/collector.h"
#include "core/log.h"

namespace mexp {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

using Options = MigrationProgressOptions;
using Observation = MigrationObservation;

bool matches(const TableShape& shape, const FoundTable& table) {
  if (table.name != shape.name) return false;
  if (!shape.schema.empty() && table.schema != shape.schema) return false;
  for (const auto& column : shape.columns) {
    if (!table.columns.contains(column)) return false;
  }
  for (const auto& column : shape.absent_columns) {
    if (table.columns.contains(column)) return false;
  }
  return true;
}

struct LabelKey {
  std::string tool, schema, table;
  auto operator<=>(const LabelKey&) const = default;
};

class MigrationProgressCollector : public Collector {
 public:
  explicit MigrationProgressCollector(Options options) : options_(std::move(options)) {
    for (const auto& tool : tool_locks()) {
      for (const auto& shape : tool.tables) {
        table_names_.insert(shape.name);
        columns_.insert(shape.columns.begin(), shape.columns.end());
        columns_.insert(shape.absent_columns.begin(), shape.absent_columns.end());
      }
    }
    for (const auto& table : options_.tables) table_names_.insert(table.table);
  }

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    // Most polls find no tool's lock held. A probe of pg_locks and the catalog says so; the
    // sessions and lock waiters (pg_stat_activity, pg_blocking_pids: most of the statement's
    // cost, run every 5 s) are read only when a tool's lock is held or a lock table says locked.
    LiveFacts facts =
        catalog_.probe(context.session, table_names_, columns_, LiveCatalog::Clock::now());
    const LockTableReads lock_tables = plan_lock_table_reads(facts);
    std::optional<PgResult> lock_rows;
    if (!lock_tables.tables.empty())
      lock_rows = read_lock_tables(context.session, lock_tables.tables, lock_tables.tools);
    const HeldSeconds no_age = [](const std::string&, double) { return 0.0; };
    bool held = lock_rows && lock_table_says_locked(*lock_rows);
    for (const auto& [key, observation] : observe(facts, lock_tables, lock_rows, no_age))
      held = held || observation.running || !observation.holders.empty();
    if (held)
      facts = read_live_facts(context.session, table_names_, columns_, LiveDetail::sessions);

    // How long a holder has held the lock: from its transaction's start when the lock came with
    // it, else from when this collector first saw it held (pg_locks has no acquisition time).
    // `known_age` is 0 when nothing better than our own observation is known.
    std::set<std::string> seen_keys;
    const HeldSeconds held_seconds = [&](const std::string& key, double known_age) {
      seen_keys.insert(key);
      const TimePoint first = first_seen_.try_emplace(key, context.now).first->second;
      return std::max(std::chrono::duration<double>(context.now - first).count(), known_age);
    };
    const auto observations = observe(facts, lock_tables, lock_rows, held_seconds);
    for (auto it = first_seen_.begin(); it != first_seen_.end();) {
      it = seen_keys.contains(it->first) ? std::next(it) : first_seen_.erase(it);
    }
    return families(context, facts, observations);
  }

 private:
  // The lock tables read this poll, with the labels and tool of each, in the order of the rows.
  struct LockTableReads {
    std::vector<const FoundTable*> tables;
    std::vector<LabelKey> keys;
    std::vector<const ToolLock*> tools;
  };

  LockTableReads plan_lock_table_reads(const LiveFacts& facts) {
    LockTableReads reads;
    for (const auto& tool : tool_locks()) {
      if (tool.kind != LockKind::lock_table) continue;
      for (const auto* table : found_tables(tool, facts)) {
        if (!table->readable) {
          warn_once(tool, *table, "no SELECT privilege on the lock table");
          continue;
        }
        // Someone holds or wants ACCESS EXCLUSIVE on the lock table itself: reading it now
        // would queue behind them. Leave it out this poll.
        if (table->exclusive_requested || !options_.read_lock_tables) continue;
        reads.tables.push_back(table);
        reads.keys.push_back({tool.tool, table->schema, tool.reading.history_table(table->name)});
        reads.tools.push_back(&tool);
      }
    }
    return reads;
  }

  // Every watched lock's observation, merged by labels. The lock tables' rows come from
  // `lock_rows` (read once a poll); the sessions in `facts` say who holds what.
  std::map<LabelKey, Observation> observe(const LiveFacts& facts, const LockTableReads& lock_tables,
                                          const std::optional<PgResult>& lock_rows,
                                          const HeldSeconds& held_seconds) const {
    std::map<LabelKey, Observation> observations;
    const auto merge = [&](LabelKey key, Observation observation) {
      auto& merged = observations[std::move(key)];
      merged.running = merged.running || observation.running;
      merged.stale = merged.stale || observation.stale;
      merged.reports_staleness = merged.reports_staleness || observation.reports_staleness;
      merged.holders.insert(observation.holders.begin(), observation.holders.end());
      merged.seconds = std::max(merged.seconds, observation.seconds);
    };
    for (const auto& tool : tool_locks()) {
      switch (tool.kind) {
        case LockKind::advisory_table:
          for (const auto& [schema, table] : watched_tables(tool, facts)) {
            merge({tool.tool, schema, table},
                  advisory_observation(tool, tool.advisory_locks(facts.database, schema, table),
                                       facts, {tool.tool, schema, table}, held_seconds));
          }
          break;
        case LockKind::advisory_fixed:
        case LockKind::advisory_database: {
          std::vector<const FoundTable*> history;
          for (const auto& table : facts.tables) {
            if (options_.auto_detect && matches(tool.tables.front(), table))
              history.push_back(&table);
          }
          // The key names the tool, not a table: the labels name its history table when there
          // is exactly one, and are empty otherwise.
          LabelKey key{tool.tool, history.size() == 1 ? history.front()->schema : "",
                       history.size() == 1 ? history.front()->name : ""};
          auto observation = advisory_observation(tool, tool.advisory_locks(facts.database, "", ""),
                                                  facts, key, held_seconds);
          if (!history.empty() || observation.running) merge(key, observation);
          break;
        }
        case LockKind::lock_table:
          break;  // below, from the rows read
        case LockKind::table_lock:
          for (const auto* table : found_tables(tool, facts)) {
            Observation observation;
            for (int pid : table->exclusive_holders) {
              observation.running = true;
              observation.holders.insert(pid);
              const auto session = facts.sessions.find(pid);
              const double age =
                  session != facts.sessions.end() ? session->second.transaction_age.value_or(0) : 0;
              observation.seconds = std::max(
                  observation.seconds, held_seconds(tool.tool + "|" + table->schema + "|" +
                                                        table->name + "|" + std::to_string(pid),
                                                    age));
            }
            merge({tool.tool, table->schema, table->name}, observation);
          }
          break;
      }
    }
    if (lock_rows) {
      for (int row = 0; row < lock_rows->rows(); ++row) {
        const auto index = static_cast<std::size_t>(lock_rows->number(row, 0));
        const auto& key = lock_tables.keys.at(index);
        merge(key,
              lock_table_observation(*lock_tables.tools.at(index), *lock_rows, row, facts,
                                     key.tool + "|" + key.schema + "|" + key.table + "|lock-table",
                                     options_.stale_lock_after, held_seconds));
      }
    }
    return observations;
  }

  std::vector<const FoundTable*> found_tables(const ToolLock& tool, const LiveFacts& facts) const {
    std::vector<const FoundTable*> found;
    for (const auto& table : facts.tables) {
      bool watched = options_.auto_detect && matches(tool.tables.front(), table);
      for (const auto& configured : options_.tables) {
        if (configured.tool == &tool && configured.schema == table.schema &&
            configured.table == table.name) {
          TableShape shape = tool.tables.front();
          shape.schema = configured.schema;
          shape.name = configured.table;
          watched = watched || matches(shape, table);
        }
      }
      if (watched) found.push_back(&table);
    }
    return found;
  }

  // Tables whose names give the key: those found in the catalog, and those configured (watched
  // even before they exist: a first run takes the lock before it creates its history table).
  std::set<std::pair<std::string, std::string>> watched_tables(const ToolLock& tool,
                                                               const LiveFacts& facts) const {
    std::set<std::pair<std::string, std::string>> watched;
    for (const auto* table : found_tables(tool, facts)) watched.emplace(table->schema, table->name);
    for (const auto& configured : options_.tables) {
      if (configured.tool == &tool) watched.emplace(configured.schema, configured.table);
    }
    return watched;
  }

  Observation advisory_observation(const ToolLock& tool, const std::vector<AdvisoryLockId>& locks,
                                   const LiveFacts& facts, const LabelKey& key,
                                   const HeldSeconds& held_seconds) const {
    Observation observation;
    for (const auto& [pid, session] : facts.sessions) {
      for (const auto& lock : locks) {
        if (!session.advisory_locks.contains(to_string(lock))) continue;
        observation.running = true;
        observation.holders.insert(pid);
        // pid and backend_start together name one backend even when the pid is reused later.
        const std::string holder = tool.tool + "|" + key.schema + "|" + key.table + "|" +
                                   std::to_string(pid) + "|" +
                                   std::to_string(session.backend_start) + "|" + to_string(lock);
        observation.seconds = std::max(observation.seconds,
                                       held_seconds(holder, session.transaction_age.value_or(0)));
      }
    }
    return observation;
  }

  std::vector<prometheus::MetricFamily> families(
      const CollectContext& context, const LiveFacts& facts,
      const std::map<LabelKey, Observation>& observations) const {
    auto in_progress = gauge_family(
        "migration_in_progress",
        "Whether the tool's migration lock is held in this database right now (1) or not (0).");
    auto seconds = gauge_family(
        "migration_in_progress_seconds",
        "How long the running migration has held its lock: from the holder's transaction start, "
        "the lock table's own timestamp, or when the exporter first saw it (0 when none runs).");
    auto blocked = gauge_family(
        "migration_blocked_sessions",
        "Sessions whose chain of lock waits (pg_blocking_pids) reaches the migrating session.");
    auto blocked_wait = gauge_family(
        "migration_blocked_max_wait_seconds",
        "How long the longest-waiting of those sessions has waited (0 when none waits).");
    auto waiting = gauge_family(
        "migration_waiting_seconds",
        "How long the migrating session itself has been waiting for a lock held or requested by "
        "another session (0 when it is not waiting).");
    auto stale = gauge_family(
        "migration_lock_stale",
        "For lock-table tools (Liquibase, Knex, goose): the table says locked but no live holder "
        "was found (lease expired, or older than stale_lock_after). Release it with the tool.");
    for (const auto& [key, observation] : observations) {
      const auto labels = with_labels(
          context.base_labels, {{"tool", key.tool}, {"schema", key.schema}, {"table", key.table}});
      const auto queued = facts.graph.waiting_on(observation.holders);
      double longest_queued = 0, own_wait = 0;
      for (int pid : queued) {
        if (const auto found = facts.wait_seconds.find(pid); found != facts.wait_seconds.end())
          longest_queued = std::max(longest_queued, found->second);
      }
      for (int pid : observation.holders) {
        if (const auto found = facts.wait_seconds.find(pid); found != facts.wait_seconds.end())
          own_wait = std::max(own_wait, found->second);
      }
      add_gauge(in_progress, labels, observation.running ? 1 : 0);
      add_gauge(seconds, labels, observation.running ? observation.seconds : 0);
      add_gauge(blocked, labels, static_cast<double>(queued.size()));
      add_gauge(blocked_wait, labels, longest_queued);
      add_gauge(waiting, labels, own_wait);
      if (observation.reports_staleness) add_gauge(stale, labels, observation.stale ? 1 : 0);
    }
    auto catalog_reads = counter_family(
        "migration_exporter_migration_progress_catalog_reads_total",
        "Probes that looked the migration tools' tables up in the catalogs (when the catalogs "
        "changed, and at least every minute); the others read pg_locks only");
    add_counter(catalog_reads, context.base_labels, catalog_.reads());
    std::vector<prometheus::MetricFamily> result;
    for (auto* family :
         {&in_progress, &seconds, &blocked, &blocked_wait, &waiting, &stale, &catalog_reads})
      result.push_back(std::move(*family));
    return result;
  }

  void warn_once(const ToolLock& tool, const FoundTable& table, const std::string& why) {
    if (warned_.insert(tool.tool + "|" + table.schema + "|" + table.name).second) {
      log::warn(
          "migration lock table not read",
          {{"tool", tool.tool}, {"schema", table.schema}, {"table", table.name}, {"err", why}});
    }
  }

  Options options_;
  std::set<std::string> table_names_, columns_;
  LiveCatalog catalog_;
  std::map<std::string, TimePoint> first_seen_;
  std::set<std::string> warned_;
};

std::unique_ptr<Collector> make_migration_progress_collector(CollectorOptions& options) {
  return std::make_unique<MigrationProgressCollector>(read_migration_progress_options(options));
}

const bool registered = register_collector({
    .name = "migration_progress",
    .description = "The migration running now: each tool's lock (Flyway, Liquibase, Knex, "
                   "Prisma, Rails, golang-migrate, …), how long it has run, whether it waits, "
                   "and the sessions queued behind it.",
    .enabled_by_default = true,
    .default_interval = std::chrono::seconds(5),
    .live = true,
    .factory = make_migration_progress_collector,
});

}  // namespace
}  // namespace mexp
