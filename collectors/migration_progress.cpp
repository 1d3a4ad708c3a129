// The migration_progress collector: is a migration running in this database right now, for how
// long, is it waiting, and how many sessions queue behind it. A running migration is recognised
// by the lock its tool takes (migration_locks.cpp describes each tool's lock as data): an advisory
// lock (fixed key, or computed from the database or the history table name), a row of a lock
// table (Liquibase, Knex, goose), or an ACCESS EXCLUSIVE lock on the history table (EF Core).
//
// One statement per poll reads the catalog (which history and lock tables exist), pg_locks,
// pg_stat_activity and pg_blocking_pids. Only when lock tables exist does a second statement read
// them; it is the one place the exporter reads a user table here, and it skips every lock table
// with an ACCESS EXCLUSIVE lock granted or requested, so that it never queues behind a migration
// (lock_timeout is the last guard). `read_lock_tables = false` turns that read off.
#include <algorithm>
#include <map>
#include <set>

#include "collectors/blocking_graph.h"
#include "collectors/migration_live_facts.h"
#include "collectors/migration_locks.h"
#include "collectors/migration_progress_options.h"
#include "core/collector.h"
#include "core/log.h"

namespace mexp {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

using Options = MigrationProgressOptions;

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

// Liquibase's LOCKEDBY is "<hostname>[<description>] (<address>)".
std::pair<std::string, std::string> owner_host_and_address(const std::string& owner) {
  const auto open = owner.rfind('(');
  const auto close = owner.rfind(')');
  std::string address;
  if (open != std::string::npos && close != std::string::npos && close > open)
    address = owner.substr(open + 1, close - open - 1);
  if (const auto zone = address.find('%'); zone != std::string::npos) address.resize(zone);
  const auto host_end = owner.find_first_of(" (");
  return {owner.substr(0, host_end), address};
}

// What one watched lock says this poll, before series with the same labels are merged.
struct Observation {
  bool running = false;
  bool stale = false;
  bool reports_staleness = false;  // lock tables only: migration_lock_stale is emitted for them
  std::set<int> holders;
  double seconds = 0;
};

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
    const LiveFacts facts = read_live_facts(context.session, table_names_, columns_);
    std::map<LabelKey, Observation> observations;
    std::set<std::string> seen_keys;
    const auto observe = [&](LabelKey key, Observation observation) {
      auto& merged = observations[std::move(key)];
      merged.running = merged.running || observation.running;
      merged.stale = merged.stale || observation.stale;
      merged.reports_staleness = merged.reports_staleness || observation.reports_staleness;
      merged.holders.insert(observation.holders.begin(), observation.holders.end());
      merged.seconds = std::max(merged.seconds, observation.seconds);
    };
    // How long a holder has held the lock: from its transaction's start when the lock came with
    // it, else from when this collector first saw it held (pg_locks has no acquisition time).
    // `known_age` is 0 when nothing better than our own observation is known.
    const auto held_seconds = [&](const std::string& key, double known_age) {
      seen_keys.insert(key);
      const TimePoint first = first_seen_.try_emplace(key, context.now).first->second;
      return std::max(std::chrono::duration<double>(context.now - first).count(), known_age);
    };

    std::vector<const FoundTable*> lock_tables_to_read;
    std::vector<LabelKey> lock_table_keys;
    std::vector<const ToolLock*> lock_table_tools;
    for (const auto& tool : tool_locks()) {
      switch (tool.kind) {
        case LockKind::advisory_table:
          for (const auto& [schema, table] : watched_tables(tool, facts)) {
            observe({tool.tool, schema, table},
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
          if (!history.empty() || observation.running) observe(key, observation);
          break;
        }
        case LockKind::lock_table:
          for (const auto* table : found_tables(tool, facts)) {
            if (!table->readable) {
              warn_once(tool, *table, "no SELECT privilege on the lock table");
              continue;
            }
            // Someone holds or wants ACCESS EXCLUSIVE on the lock table itself: reading it now
            // would queue behind them. Leave it out this poll.
            if (table->exclusive_requested || !options_.read_lock_tables) continue;
            lock_tables_to_read.push_back(table);
            lock_table_keys.push_back(
                {tool.tool, table->schema, tool.reading.history_table(table->name)});
            lock_table_tools.push_back(&tool);
          }
          break;
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
            observe({tool.tool, table->schema, table->name}, observation);
          }
          break;
      }
    }

    if (!lock_tables_to_read.empty()) {
      auto rows = read_lock_tables(context.session, lock_tables_to_read, lock_table_tools);
      for (int row = 0; row < rows.rows(); ++row) {
        const auto index = static_cast<std::size_t>(rows.number(row, 0));
        const auto& key = lock_table_keys.at(index);
        observe(key, lock_table_observation(*lock_table_tools.at(index), rows, row, facts, key,
                                            held_seconds));
      }
    }

    for (auto it = first_seen_.begin(); it != first_seen_.end();) {
      it = seen_keys.contains(it->first) ? std::next(it) : first_seen_.erase(it);
    }
    return families(context, facts, observations);
  }

 private:
  using HeldSeconds = std::function<double(const std::string&, double)>;

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

  // One row per lock table (all in one statement): is it locked, since when, by whom, until when
  // the holder's lease runs, and which transactions are updating its rows right now.
  PgResult read_lock_tables(PgSession& session, const std::vector<const FoundTable*>& tables,
                            const std::vector<const ToolLock*>& tools) const {
    std::string sql;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const auto& reading = tools[i]->reading;
      const std::string locked = "(" + reading.locked + ")";
      if (!sql.empty()) sql += " UNION ALL ";
      sql += "SELECT " + std::to_string(i) + " AS watch, coalesce(bool_or(" + locked +
             "), false) AS locked, EXTRACT(EPOCH FROM now() - min((" + reading.since +
             ")::timestamptz) FILTER (WHERE " + locked + "))::float8 AS locked_for, string_agg((" +
             reading.owner + ")::text, E'\\n') FILTER (WHERE " + locked + ") AS owners, bool_or((" +
             reading.lease_until + ")::timestamptz > now()) FILTER (WHERE " + locked +
             ") AS lease_valid, string_agg(xmax::text, ',') FILTER (WHERE xmax::text <> '0') AS "
             "updaters FROM " +
             session.escape_identifier(tables[i]->schema) + "." +
             session.escape_identifier(tables[i]->name);
    }
    return session.query(sql);
  }

  // A lock table says who runs only indirectly. The holder is live when one of its rows is being
  // updated by an open transaction (Knex locks inside the migration transaction), or, for
  // Liquibase, when a session is connected from the address the lock names. Without a live
  // holder, a lock with a lease is stale once the lease ran out (goose), and any other lock once
  // it is older than stale_lock_after: a tool with no lease cannot tell a dead holder from a slow
  // one sooner.
  Observation lock_table_observation(const ToolLock& tool, const PgResult& rows, int row,
                                     const LiveFacts& facts, const LabelKey& key,
                                     const HeldSeconds& held_seconds) const {
    Observation observation;
    observation.reports_staleness = true;
    const bool locked = rows.boolean(row, 1);
    const auto locked_for = rows.optional_number(row, 2);
    const auto updaters = split_list(rows.text(row, 5), ',');
    std::set<std::string> owner_addresses, owner_hosts;
    if (locked && tool.reading.owner_names_client) {
      for (const auto& owner : split_list(rows.text(row, 3), '\n')) {
        auto [host, address] = owner_host_and_address(owner);
        if (!host.empty()) owner_hosts.insert(host);
        if (!address.empty()) owner_addresses.insert(address);
      }
    }
    std::optional<double> holder_age;
    for (const auto& [pid, session] : facts.sessions) {
      const bool updating = !session.xid.empty() && updaters.contains(session.xid);
      const bool named =
          (!session.client_addr.empty() && owner_addresses.contains(session.client_addr)) ||
          (!session.client_hostname.empty() && owner_hosts.contains(session.client_hostname));
      if (!updating && !named) continue;
      observation.holders.insert(pid);
      if (updating && session.transaction_age)
        holder_age = std::max(holder_age.value_or(0), *session.transaction_age);
    }
    if (!locked && observation.holders.empty()) return observation;

    const std::string lock_key = key.tool + "|" + key.schema + "|" + key.table + "|lock-table";
    // The lock's own timestamp is exact when the tool records one; otherwise the holder's
    // transaction, or how long we have seen it locked.
    const double age =
        locked_for ? std::max(0.0, *locked_for) : held_seconds(lock_key, holder_age.value_or(0));
    if (!observation.holders.empty()) {
      observation.running = true;
    } else if (!rows.is_null(row, 4)) {
      observation.running = rows.boolean(row, 4);
    } else {
      observation.running = age < std::chrono::duration<double>(options_.stale_lock_after).count();
    }
    observation.stale = !observation.running;
    if (observation.running) observation.seconds = age;
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
    std::vector<prometheus::MetricFamily> result;
    for (auto* family : {&in_progress, &seconds, &blocked, &blocked_wait, &waiting, &stale})
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
