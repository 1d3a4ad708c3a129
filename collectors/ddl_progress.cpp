// ddl_progress collector: every operation PostgreSQL reports progress for (CREATE INDEX, REINDEX,
// CLUSTER, VACUUM FULL, VACUUM, ANALYZE, COPY, BASE_BACKUP) in this database, with its phase, the
// phase's work done of total, an estimate of the whole operation's fraction done, and the seconds
// left at the rate seen since the exporter first saw it. When the backend holds a migration tool's
// lock, the series name the tool and its history table. Series exist only while operations run.
//
// Guest manners: one statement over the pg_stat_progress_* views, pg_stat_activity and pg_class
// (names only), plus migration_lock_holders' pg_locks statement; no relation is opened.
#include <algorithm>
#include <map>
#include <optional>

#include "collectors/migration_lock_holders.h"
#include "core/collector.h"

namespace mexp {
namespace {

// Each view in one shape: three (done, total) pairs a, b, c whose meaning depends on the view
// (see kPhases), the relation, and the operation's start (the backend's query_start).
constexpr std::string_view kSql = R"SQL(
WITH this_database AS (
  SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()
),
operation AS (
  SELECT CASE WHEN command LIKE '%CONCURRENTLY' THEN 'create_index_concurrently'
              ELSE 'create_index' END AS progress_view, pid, datid, relid, command, phase,
         blocks_done AS a_done, blocks_total AS a_total, tuples_done AS b_done,
         tuples_total AS b_total, lockers_done AS c_done, lockers_total AS c_total
  FROM pg_catalog.pg_stat_progress_create_index
  UNION ALL
  SELECT 'cluster', pid, datid, relid, command, phase, heap_blks_scanned, heap_blks_total,
         heap_tuples_written, heap_tuples_scanned, NULL, NULL
  FROM pg_catalog.pg_stat_progress_cluster
  UNION ALL
  SELECT 'vacuum', pid, datid, relid, 'VACUUM', phase, heap_blks_scanned, heap_blks_total,
         heap_blks_vacuumed, heap_blks_total, NULL, NULL
  FROM pg_catalog.pg_stat_progress_vacuum
  UNION ALL
  SELECT 'analyze', pid, datid, relid, 'ANALYZE', phase, sample_blks_scanned, sample_blks_total,
         child_tables_done, child_tables_total, ext_stats_computed, ext_stats_total
  FROM pg_catalog.pg_stat_progress_analyze
  UNION ALL
  SELECT 'copy', pid, datid, relid, command, 'copying', NULL, NULL, tuples_processed, NULL,
         bytes_processed, nullif(bytes_total, 0)
  FROM pg_catalog.pg_stat_progress_copy
  UNION ALL
  SELECT 'basebackup', pid, NULL, NULL, 'BASE_BACKUP', phase, NULL, NULL, tablespaces_streamed,
         tablespaces_total, backup_streamed, backup_total
  FROM pg_catalog.pg_stat_progress_basebackup
)
SELECT o.progress_view, o.pid, o.command, o.phase, coalesce(n.nspname, '') AS schemaname,
       coalesce(c.relname, '') AS relname,
       o.a_done::float8, o.a_total::float8, o.b_done::float8, o.b_total::float8,
       o.c_done::float8, o.c_total::float8,
       extract(epoch FROM a.query_start)::float8 AS started,
       extract(epoch FROM now())::float8 AS now
FROM operation o
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = o.pid
LEFT JOIN pg_catalog.pg_class c ON c.oid = o.relid AND o.datid = (SELECT oid FROM this_database)
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE o.pid <> pg_catalog.pg_backend_pid()
  AND (o.datid IS NULL OR o.datid = (SELECT oid FROM this_database))
ORDER BY o.pid)SQL";

enum class Counter { none, a, b, c };

// Where a phase sits in the whole operation: the fraction done when it starts and when it ends,
// and the counter that moves within it. The weights are the typical share of the time each phase
// takes (measured for B-tree builds and VACUUM FULL on narrow tables, see README); a phase
// without a counter holds the fraction at its start until the next phase begins.
struct Phase {
  std::string_view view, phase;
  double start, end;
  Counter counter;
  std::string_view unit;
};

constexpr Phase kPhases[] = {
    {"create_index", "initializing", 0, 0, Counter::none, ""},
    {"create_index", "building index: scanning table", 0, 0.55, Counter::a, "blocks"},
    {"create_index", "building index: sorting live tuples", 0.55, 0.65, Counter::none, ""},
    {"create_index", "building index: loading tuples in tree", 0.65, 1, Counter::b, "tuples"},
    {"create_index", "building index", 0, 1, Counter::a, "blocks"},
    {"create_index_concurrently", "initializing", 0, 0, Counter::none, ""},
    {"create_index_concurrently", "waiting for writers before build", 0, 0, Counter::c, "lockers"},
    {"create_index_concurrently", "building index: scanning table", 0, 0.35, Counter::a, "blocks"},
    {"create_index_concurrently", "building index: sorting live tuples", 0.35, 0.4, Counter::none,
     ""},
    {"create_index_concurrently", "building index: loading tuples in tree", 0.4, 0.6, Counter::b,
     "tuples"},
    {"create_index_concurrently", "building index", 0, 0.6, Counter::a, "blocks"},
    {"create_index_concurrently", "waiting for writers before validation", 0.6, 0.6, Counter::c,
     "lockers"},
    {"create_index_concurrently", "index validation: scanning index", 0.6, 0.7, Counter::a,
     "blocks"},
    {"create_index_concurrently", "index validation: sorting tuples", 0.7, 0.75, Counter::none, ""},
    {"create_index_concurrently", "index validation: scanning table", 0.75, 0.98, Counter::a,
     "blocks"},
    {"create_index_concurrently", "waiting for old snapshots", 0.98, 0.98, Counter::c, "lockers"},
    {"create_index_concurrently", "waiting for readers before marking dead", 0.98, 0.99, Counter::c,
     "lockers"},
    {"create_index_concurrently", "waiting for readers before dropping", 0.99, 1, Counter::c,
     "lockers"},
    {"cluster", "initializing", 0, 0, Counter::none, ""},
    {"cluster", "seq scanning heap", 0, 0.6, Counter::a, "blocks"},
    {"cluster", "index scanning heap", 0, 0.6, Counter::none, ""},
    {"cluster", "sorting tuples", 0.6, 0.65, Counter::none, ""},
    {"cluster", "writing new heap", 0.65, 0.8, Counter::b, "tuples"},
    {"cluster", "swapping relation files", 0.8, 0.8, Counter::none, ""},
    {"cluster", "rebuilding index", 0.8, 0.98, Counter::none, ""},
    {"cluster", "performing final cleanup", 0.98, 1, Counter::none, ""},
    {"vacuum", "initializing", 0, 0, Counter::none, ""},
    {"vacuum", "scanning heap", 0, 0.6, Counter::a, "blocks"},
    {"vacuum", "vacuuming indexes", 0.6, 0.8, Counter::none, ""},
    {"vacuum", "vacuuming heap", 0.8, 0.95, Counter::b, "blocks"},
    {"vacuum", "cleaning up indexes", 0.95, 0.98, Counter::none, ""},
    {"vacuum", "truncating heap", 0.98, 0.99, Counter::none, ""},
    {"vacuum", "performing final cleanup", 0.99, 1, Counter::none, ""},
    {"analyze", "initializing", 0, 0, Counter::none, ""},
    {"analyze", "acquiring sample rows", 0, 0.9, Counter::a, "blocks"},
    {"analyze", "acquiring inherited sample rows", 0, 0.9, Counter::b, "tables"},
    {"analyze", "computing statistics", 0.9, 0.95, Counter::none, ""},
    {"analyze", "computing extended statistics", 0.95, 0.99, Counter::c, "statistics"},
    {"analyze", "finalizing analyze", 0.99, 1, Counter::none, ""},
    {"copy", "copying", 0, 1, Counter::c, "bytes"},
    {"basebackup", "initializing", 0, 0, Counter::none, ""},
    {"basebackup", "waiting for checkpoint to finish", 0, 0, Counter::none, ""},
    {"basebackup", "estimating backup size", 0, 0, Counter::none, ""},
    {"basebackup", "streaming database files", 0, 0.95, Counter::c, "bytes"},
    {"basebackup", "waiting for wal archiving to finish", 0.95, 0.95, Counter::none, ""},
    {"basebackup", "transferring wal files", 0.95, 1, Counter::none, ""},
};

const Phase* find_phase(std::string_view view, std::string_view phase) {
  for (const auto& entry : kPhases) {
    if (entry.view == view && entry.phase == phase) return &entry;
  }
  // Access methods name their own build subphases ("building index: ..."): the generic entry.
  if (phase != "building index" && phase.starts_with("building index"))
    return find_phase(view, "building index");
  return nullptr;
}

// An operation is one backend's one statement: pid and statement start.
struct OperationKey {
  int pid;
  double started;
  auto operator<=>(const OperationKey&) const = default;
};

struct FirstSeen {
  double time, ratio;
};

class DdlProgressCollector final : public Collector {
 public:
  explicit DdlProgressCollector(std::int64_t max_operations) : max_operations_(max_operations) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    auto& session = context.session;
    const auto result = session.query(kSql);
    const auto holders =
        result.rows() > 0 ? migration_lock_holders(session) : std::map<int, MigrationLockHolder>{};

    auto running = gauge_family(
        "pg_progress_running_seconds",
        "How long the operation's statement has run, for every operation PostgreSQL reports "
        "progress for (pg_stat_progress_*); tool, schema and table name the migration tool and "
        "history table when the backend holds a migration tool's lock");
    auto ratio = gauge_family(
        "pg_progress_ratio",
        "Estimated fraction of the whole operation done (0-1): phases weighted by their usual "
        "share of the time, the current phase's work done of total within it");
    auto remaining = gauge_family(
        "pg_progress_seconds_remaining",
        "Estimated seconds until the operation finishes, at the rate pg_progress_ratio rose since "
        "the exporter first saw the operation (absent until it has risen)");
    auto done = gauge_family("pg_progress_phase_done",
                             "Work the current phase has done, in `unit` (blocks, tuples, bytes, "
                             "lockers waited for, ...)");
    auto total = gauge_family("pg_progress_phase_size",
                              "Work the current phase has to do, in `unit` (absent when the view "
                              "gives no total)");
    auto dropped = gauge_family(
        "migration_exporter_ddl_progress_dropped",
        "Operations in progress not exported in the last poll because of the max_operations cap");

    std::map<OperationKey, FirstSeen> seen_now;
    int exported = 0;
    for (int row = 0; row < result.rows(); ++row) {
      if (max_operations_ > 0 && exported >= max_operations_) break;
      ++exported;
      const int pid = static_cast<int>(result.number(row, 1));
      const auto holder = holders.find(pid);
      const MigrationLockHolder none;
      const auto& migration = holder != holders.end() ? holder->second : none;
      const std::string pid_text = std::to_string(pid);
      const auto labels = with_labels(context.base_labels, {{"pid", pid_text},
                                                            {"command", result.text(row, 2)},
                                                            {"phase", result.text(row, 3)},
                                                            {"schemaname", result.text(row, 4)},
                                                            {"relname", result.text(row, 5)},
                                                            {"tool", migration.tool},
                                                            {"schema", migration.schema},
                                                            {"table", migration.table}});
      const double now = result.number(row, 13);
      const auto started = result.optional_number(row, 12);
      if (started) add_gauge(running, labels, std::max(0.0, now - *started));

      const Phase* phase = find_phase(result.text(row, 0), result.text(row, 3));
      if (phase == nullptr) continue;
      std::optional<double> phase_done, phase_total;
      if (phase->counter != Counter::none) {
        const int column = 6 + 2 * (static_cast<int>(phase->counter) - 1);
        phase_done = result.optional_number(row, column);
        phase_total = result.optional_number(row, column + 1);
        const auto unit_labels = with_labels(labels, {{"unit", phase->unit}});
        if (phase_done) add_gauge(done, unit_labels, *phase_done);
        if (phase_total) add_gauge(total, unit_labels, *phase_total);
      }
      double within = 0;
      if (phase_done && phase_total && *phase_total > 0)
        within = std::clamp(*phase_done / *phase_total, 0.0, 1.0);
      const double fraction = phase->start + (phase->end - phase->start) * within;
      add_gauge(ratio, labels, fraction);

      const OperationKey key{pid, started.value_or(0)};
      const auto first = first_seen_.find(key);
      const FirstSeen since = first != first_seen_.end() ? first->second : FirstSeen{now, fraction};
      seen_now.emplace(key, since);
      const double rate = now > since.time ? (fraction - since.ratio) / (now - since.time) : 0;
      if (rate > 0) add_gauge(remaining, labels, (1 - fraction) / rate);
    }
    first_seen_ = std::move(seen_now);
    add_gauge(dropped, context.base_labels, static_cast<double>(result.rows() - exported));

    std::vector<prometheus::MetricFamily> families;
    for (auto* family : {&running, &ratio, &remaining, &done, &total, &dropped})
      families.push_back(std::move(*family));
    return families;
  }

 private:
  std::int64_t max_operations_;
  std::map<OperationKey, FirstSeen> first_seen_;
};

const bool registered = register_collector({
    .name = "ddl_progress",
    .description = "Running CREATE INDEX, CLUSTER/VACUUM FULL, VACUUM, ANALYZE, COPY and base "
                   "backups: phase, fraction done, seconds left, and the migration running them",
    .enabled_by_default = true,
    .default_interval = std::chrono::seconds(5),
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      return std::make_unique<DdlProgressCollector>(
          options.get_int("max_operations", 20, 0, 10'000));
    },
});

}  // namespace
}  // namespace mexp
