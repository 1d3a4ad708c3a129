// database collector: postgres_exporter's pg_database_size_bytes and
// pg_database_connection_limit for every database of the server, from one statement.
//
// Guest manners: pg_database_size() takes no lock (it sums the files of the database directory
// and ignores files that vanish meanwhile), so it cannot queue behind anything. It is still not
// called for a database that DROP DATABASE or ALTER DATABASE holds or awaits ACCESS EXCLUSIVE on
// (a shared-object lock in pg_locks), nor for one an interrupted DROP DATABASE left invalid
// (datconnlimit -2, PostgreSQL 15.4+): their size is meaningless and their files are going away.
// Those are counted in migration_exporter_database_size_skipped instead.
//
// pg_database_size() stats every file of the database (~60 ms at 2,000 tables, ~280 ms at
// 10,000), and a database nobody wrote to since its last measurement has the size it had then:
// such a database keeps its last size. What says so is `changes.signal` below.
#include <map>

#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

// $1, $2, $3: each database's oid, its change signal at its last measurement, and when that was
// (the server's now()).
constexpr const char* kStatement = R"SQL(
WITH locks AS MATERIALIZED (
  SELECT locktype, database, classid, objid, mode, granted, pid
  FROM pg_catalog.pg_locks
),
being_changed AS (
  SELECT DISTINCT objid AS oid FROM locks
  WHERE locktype = 'object' AND classid = 'pg_catalog.pg_database'::regclass
    AND mode = 'AccessExclusiveLock'
),
last AS (
  SELECT * FROM unnest($1::oid[], $2::text[], $3::float8[]) AS k(oid, signal, measured_at)
),
-- Databases whose files may have changed while their statistics do not say so yet: rows reach the
-- statistics when their transaction ends, VACUUM's count when it ends, an index build's catalog
-- rows when it ends. Until then each holds a relation lock stronger than ROW SHARE. Files change
-- only while such a session is active: one idle in its transaction since before the last
-- measurement changed nothing since (so a migration holding its lock while it waits, or a LOCK
-- TABLE, which takes a transaction id as any ACCESS EXCLUSIVE lock does, counts once). Prepared
-- transactions (no pid) always count.
being_written AS (
  SELECT DISTINCT l.database AS oid
  FROM locks l
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
  LEFT JOIN last k ON k.oid = l.database
  WHERE l.locktype = 'relation' AND l.granted
    AND l.mode NOT IN ('AccessShareLock', 'RowShareLock')
    AND (l.pid IS NULL OR k.measured_at IS NULL
         OR a.state IS DISTINCT FROM 'idle in transaction'
            AND a.state IS DISTINCT FROM 'idle in transaction (aborted)'
         OR extract(epoch FROM a.state_change) >= k.measured_at)
),
-- The vacuums of this database's relations: VACUUM can truncate files, and create free space and
-- visibility maps, without writing a row.
vacuums_here AS (
  SELECT sum(pg_catalog.pg_stat_get_vacuum_count(c.oid)
             + pg_catalog.pg_stat_get_autovacuum_count(c.oid)) AS n
  FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 't', 'm')
),
-- A database's files change only when rows are written (inserts extend files; every catalog
-- change, a new relation, a TRUNCATE or a rewrite, is rows of pg_class), or VACUUM runs. Rows
-- written are counted per database; vacuums only per relation, readable for this database alone,
-- so another database counts its blocks read instead (any VACUUM reads blocks; this database's
-- own count moves with the exporter's reads). The statistics' reset time is part of it: counters
-- restart from 0. NULL (always measured) with track_counts off and on a standby, where replayed
-- changes are not counted. A database being_written is measured whatever its signal says.
changes AS (
  SELECT d.oid,
         CASE WHEN current_setting('track_counts')::boolean AND NOT pg_catalog.pg_is_in_recovery()
              THEN concat_ws('/',
                     pg_catalog.pg_stat_get_db_tuples_inserted(d.oid)
                       + pg_catalog.pg_stat_get_db_tuples_updated(d.oid)
                       + pg_catalog.pg_stat_get_db_tuples_deleted(d.oid),
                     CASE WHEN d.datname = pg_catalog.current_database()
                          THEN (SELECT n FROM vacuums_here)
                          ELSE pg_catalog.pg_stat_get_db_blocks_fetched(d.oid) END,
                     extract(epoch FROM pg_catalog.pg_stat_get_db_stat_reset_time(d.oid)))
         END AS signal
  FROM pg_catalog.pg_database d
)
SELECT d.datname, d.datconnlimit,
       CASE WHEN m.measurable AND (w.oid IS NOT NULL OR c.signal IS NULL OR k.signal IS NULL
                                   OR c.signal <> k.signal)
            THEN pg_catalog.pg_database_size(d.oid) END AS size,
       m.measurable, d.oid::text, c.signal, extract(epoch FROM now()) AS now
FROM pg_catalog.pg_database d
LEFT JOIN being_changed b ON b.oid = d.oid
LEFT JOIN changes c ON c.oid = d.oid
LEFT JOIN being_written w ON w.oid = d.oid
LEFT JOIN last k ON k.oid = d.oid
CROSS JOIN LATERAL (SELECT b.oid IS NULL AND d.datconnlimit <> -2 AS measurable) m
ORDER BY d.datname)SQL";

// A database's last measured size and the change signal it was measured at.
struct Measured {
  double bytes = 0;
  std::string signal;       // empty: none (always measured again)
  std::string measured_at;  // the server's clock, Unix seconds
};

// PostgreSQL array literals of the kept oids, signals and times, in the same order. Each is digits,
// '/', '.' and '-' only, so no element needs quoting.
QueryParams kept_arrays(const std::map<std::string, Measured>& kept) {
  std::string oids = "{", signals = "{", times = "{";
  for (const auto& [oid, measured] : kept) {
    if (measured.signal.empty()) continue;
    if (oids.size() > 1) {
      oids.push_back(',');
      signals.push_back(',');
      times.push_back(',');
    }
    oids.append(oid);
    signals.append(measured.signal);
    times.append(measured.measured_at);
  }
  oids.push_back('}');
  signals.push_back('}');
  times.push_back('}');
  return {oids, signals, times};
}

class DatabaseCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement, kept_arrays(kept_));
    auto size = gauge_family("pg_database_size_bytes", "Disk space used by the database");
    auto limit =
        gauge_family("pg_database_connection_limit", "Connection limit set for the database");
    auto skipped = gauge_family(
        "migration_exporter_database_size_skipped",
        "Databases whose size was not measured in the last poll because DROP or ALTER DATABASE "
        "held or awaited their lock, or an interrupted DROP DATABASE left them invalid");
    auto measured = counter_family(
        "migration_exporter_database_sizes_measured_total",
        "Times this database's size was measured (pg_database_size); a run finding it neither "
        "written nor vacuumed since its last measurement keeps that size");
    int skipped_count = 0;
    std::map<std::string, Measured> kept;
    std::map<std::string, double> measurements;  // only databases that still exist
    for (int row = 0; row < result.rows(); ++row) {
      const auto labels = for_database(server_labels(context.base_labels), result.text(row, 0));
      add_gauge(limit, labels, result.number(row, 1));
      const std::string oid(result.text(row, 4));
      auto& count = measurements[oid];
      count = measurements_[oid];
      if (!result.boolean(row, 3)) {
        ++skipped_count;  // being dropped or invalid: no size, measured again if it stays
        continue;
      }
      if (const auto bytes = result.optional_number(row, 2)) {
        kept[oid] = {*bytes, result.optional_text(row, 5).value_or(""),
                     std::string(result.text(row, 6))};
        ++count;
      } else if (const auto found = kept_.find(oid); found != kept_.end()) {
        kept[oid] = found->second;  // unchanged since measured
      }
      if (const auto it = kept.find(oid); it != kept.end())
        add_gauge(size, labels, it->second.bytes);
      add_counter(measured, labels, count);
    }
    kept_ = std::move(kept);
    measurements_ = std::move(measurements);
    add_gauge(skipped, server_labels(context.base_labels), skipped_count);
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(size));
    families.push_back(std::move(limit));
    families.push_back(std::move(skipped));
    families.push_back(std::move(measured));
    return families;
  }

 private:
  std::map<std::string, Measured> kept_;  // by database oid: a recreated database is a new one
  std::map<std::string, double> measurements_;
};

const bool registered = register_collector({
    .name = "database",
    .description = "Size and connection limit of every database (postgres_exporter's "
                   "pg_database_*), skipping databases being dropped",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(15),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<DatabaseCollector>();
    },
    .postgres_exporter_families = {"pg_database_size_bytes", "pg_database_connection_limit"},
});

}  // namespace
}  // namespace mexp
