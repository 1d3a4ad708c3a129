// replication collector: lag of every connected replica or WAL receiver (pg_stat_replication) in
// bytes and seconds, and every replication slot (pg_replication_slots): active, WAL retained, lag
// of its consumer, wal_status and safe WAL size. A stalled CDC reader (Debezium reads a logical
// slot) shows as an inactive slot whose lag grows.
#include <array>

#include "core/collector.h"

namespace mexp {
namespace {

// One statement: replica rows and slot rows. The server's WAL position is the insert position on
// a primary and the replay position on a standby (pg_current_wal_lsn() fails during recovery).
// A replica's slot comes from the slot's active_pid (pg_stat_replication has no slot column).
constexpr std::string_view kSqlTemplate = R"SQL(
WITH replicas AS (
  -- pg_stat_replication without its read of every backend's status (pg_stat_get_activity(NULL),
  -- ~0.15 ms with 100 connections, every poll): the WAL senders first, then each one's session.
  SELECT w.pid, a.application_name, a.client_addr, w.state, w.sent_lsn, w.write_lsn,
         w.flush_lsn, w.replay_lsn, w.write_lag, w.flush_lag, w.replay_lag
  FROM pg_stat_get_wal_senders() w
  CROSS JOIN LATERAL pg_stat_get_activity(w.pid) a
),
position AS (
  SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
              ELSE pg_current_wal_lsn() END AS lsn
)
SELECT 'replica' AS kind,
       coalesce(r.application_name, '') AS application_name,
       coalesce(host(r.client_addr), '') AS client_addr,
       coalesce(r.state, '') AS state,
       coalesce(s.slot_name::text, '') AS slot_name,
       pg_wal_lsn_diff(p.lsn, '0/0') AS current_lsn_bytes,
       pg_wal_lsn_diff(p.lsn, r.sent_lsn) AS sent_lag_bytes,
       pg_wal_lsn_diff(p.lsn, r.write_lsn) AS write_lag_bytes,
       pg_wal_lsn_diff(p.lsn, r.flush_lsn) AS flush_lag_bytes,
       pg_wal_lsn_diff(p.lsn, r.replay_lsn) AS replay_lag_bytes,
       extract(epoch FROM r.write_lag) AS write_lag_seconds,
       extract(epoch FROM r.flush_lag) AS flush_lag_seconds,
       extract(epoch FROM r.replay_lag) AS replay_lag_seconds,
       NULL AS database, NULL AS slot_type, NULL AS plugin, NULL AS temporary, NULL AS active,
       NULL AS wal_status, NULL AS safe_wal_size, NULL AS retained_bytes, NULL AS lag_bytes,
       NULL AS xmin_age
FROM replicas r CROSS JOIN position p
LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
UNION ALL
SELECT 'slot', NULL, NULL, NULL, s.slot_name::text,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       coalesce(s.database::text, ''), s.slot_type, coalesce(s.plugin::text, ''),
       s.temporary::text, s.active::int, @WAL_STATUS@, @SAFE_WAL_SIZE@,
       pg_wal_lsn_diff(p.lsn, s.restart_lsn),
       -- A logical consumer acknowledges confirmed_flush_lsn; a physical one moves restart_lsn.
       pg_wal_lsn_diff(p.lsn, CASE WHEN s.slot_type = 'logical' THEN s.confirmed_flush_lsn
                                   ELSE s.restart_lsn END),
       greatest(age(s.xmin), age(s.catalog_xmin))
FROM pg_replication_slots s CROSS JOIN position p
ORDER BY 1, 5, 2, 3)SQL";

// wal_status and safe_wal_size exist from PostgreSQL 13 on; older servers report them as unknown.
std::string sql_for(int server_version) {
  std::string sql(kSqlTemplate);
  const bool has_wal_status = server_version >= 130000;
  sql.replace(sql.find("@WAL_STATUS@"), 12, has_wal_status ? "s.wal_status" : "NULL::text");
  sql.replace(sql.find("@SAFE_WAL_SIZE@"), 15, has_wal_status ? "s.safe_wal_size" : "NULL::bigint");
  return sql;
}

// Column positions in the statement.
enum Col : int {
  kKind,
  kApplicationName,
  kClientAddr,
  kState,
  kSlotName,
  kCurrentLsnBytes,
  kSentLag,
  kWriteLag,
  kFlushLag,
  kReplayLag,
  kWriteLagSeconds,
  kFlushLagSeconds,
  kReplayLagSeconds,
  kDatabase,
  kSlotType,
  kPlugin,
  kTemporary,
  kActive,
  kWalStatus,
  kSafeWalSize,
  kRetainedBytes,
  kSlotLagBytes,
  kXminAge,
};

// Every value pg_replication_slots.wal_status can take (PostgreSQL 13+).
constexpr std::array kWalStatuses = {"reserved", "extended", "unreserved", "lost"};

struct ReplicaFamilies {
  // postgres_exporter's two families, same names, types and labels.
  prometheus::MetricFamily current_lsn =
      gauge_family("pg_stat_replication_pg_current_wal_lsn_bytes", "WAL position in bytes");
  prometheus::MetricFamily replay_diff =
      gauge_family("pg_stat_replication_pg_wal_lsn_diff", "Lag in bytes between master and slave");
  prometheus::MetricFamily lag_bytes = gauge_family(
      "pg_stat_replication_lag_bytes",
      "WAL bytes between this server's position and the position the replica reports as sent, "
      "written, flushed or replayed (label position)");
  prometheus::MetricFamily lag_seconds = gauge_family(
      "pg_stat_replication_lag_seconds",
      "Time the replica took to write, flush or replay recent WAL (label position); 0 once it has "
      "caught up with an idle server");

  void add(const PgResult& result, int row, const Labels& base) {
    const auto labels = with_labels(base, {{"application_name", result.text(row, kApplicationName)},
                                           {"client_addr", result.text(row, kClientAddr)},
                                           {"slot_name", result.text(row, kSlotName)},
                                           {"state", result.text(row, kState)}});
    add_gauge(current_lsn, labels, result.number(row, kCurrentLsnBytes));
    // A WAL receiver that does not replay (pg_receivewal) reports no replay position: absent.
    if (auto bytes = result.optional_number(row, kReplayLag))
      add_gauge(replay_diff, labels, *bytes);
    struct Position {
      const char* name;
      int lag_bytes_column;
      int lag_seconds_column;  // -1: PostgreSQL measures no time lag for sending
    };
    constexpr std::array<Position, 4> positions = {{{"sent", kSentLag, -1},
                                                    {"write", kWriteLag, kWriteLagSeconds},
                                                    {"flush", kFlushLag, kFlushLagSeconds},
                                                    {"replay", kReplayLag, kReplayLagSeconds}}};
    for (const auto& position : positions) {
      const auto bytes = result.optional_number(row, position.lag_bytes_column);
      if (!bytes) continue;
      auto position_labels = with_labels(labels, {{"position", position.name}});
      add_gauge(lag_bytes, position_labels, *bytes);
      if (position.lag_seconds_column < 0) continue;
      // NULL time lag with a known position: the replica caught up and the server is idle.
      const auto seconds = result.optional_number(row, position.lag_seconds_column);
      add_gauge(lag_seconds, std::move(position_labels), seconds.value_or(0));
    }
  }
};

struct SlotFamilies {
  // postgres_exporter's two families, same names, types and labels.
  prometheus::MetricFamily active =
      gauge_family("pg_replication_slots_active", "Flag indicating if the slot is active");
  prometheus::MetricFamily retained =
      gauge_family("pg_replication_slots_pg_wal_lsn_diff", "Replication lag in bytes");
  prometheus::MetricFamily lag = gauge_family(
      "pg_replication_slots_lag_bytes",
      "WAL bytes between this server's position and what the slot's consumer confirmed "
      "(confirmed_flush_lsn of a logical slot, restart_lsn of a physical one)");
  prometheus::MetricFamily wal_status =
      gauge_family("pg_replication_slots_wal_status",
                   "1 for the slot's current wal_status (reserved, extended, unreserved, lost), 0 "
                   "for the others");
  prometheus::MetricFamily safe_wal_size = gauge_family(
      "pg_replication_slots_safe_wal_size_bytes",
      "WAL bytes that can still be written before this slot is in danger of losing WAL it needs "
      "(absent when max_slot_wal_keep_size is -1)");
  prometheus::MetricFamily xmin_age = gauge_family(
      "pg_replication_slots_xmin_age",
      "Age in transactions of the oldest xmin or catalog_xmin this slot holds back from VACUUM");
  prometheus::MetricFamily info =
      gauge_family("pg_replication_slots_info",
                   "Replication slot type, output plugin and persistence; always 1");

  void add(const PgResult& result, int row, const Labels& base) {
    const auto labels = with_labels(base, {{"slot_name", result.text(row, kSlotName)},
                                           {"database", result.text(row, kDatabase)}});
    add_gauge(
        info,
        with_labels(labels, {{"slot_type", result.text(row, kSlotType)},
                             {"plugin", result.text(row, kPlugin)},
                             {"temporary", result.text(row, kTemporary) == "true" ? "1" : "0"}}),
        1);
    add_gauge(active, labels, result.number(row, kActive));
    if (auto bytes = result.optional_number(row, kRetainedBytes))
      add_gauge(retained, labels, *bytes);
    if (auto bytes = result.optional_number(row, kSlotLagBytes)) add_gauge(lag, labels, *bytes);
    if (auto bytes = result.optional_number(row, kSafeWalSize))
      add_gauge(safe_wal_size, labels, *bytes);
    if (auto age = result.optional_number(row, kXminAge)) add_gauge(xmin_age, labels, *age);
    // NULL before PostgreSQL 13 and for a slot that never reserved WAL: no series.
    if (const auto status = result.optional_text(row, kWalStatus)) {
      for (const char* candidate : kWalStatuses) {
        add_gauge(wal_status, with_labels(labels, {{"wal_status", candidate}}),
                  *status == candidate ? 1 : 0);
      }
    }
  }
};

class ReplicationCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(sql_for(context.session.server_version()));
    ReplicaFamilies replicas;
    SlotFamilies slots;
    for (int row = 0; row < result.rows(); ++row) {
      if (result.text(row, kKind) == "replica") {
        replicas.add(result, row, context.base_labels);
      } else {
        slots.add(result, row, context.base_labels);
      }
    }
    std::vector<prometheus::MetricFamily> families;
    for (auto* family : {&replicas.current_lsn, &replicas.replay_diff, &replicas.lag_bytes,
                         &replicas.lag_seconds, &slots.active, &slots.retained, &slots.lag,
                         &slots.wal_status, &slots.safe_wal_size, &slots.xmin_age, &slots.info}) {
      families.push_back(std::move(*family));
    }
    return families;
  }
};

const bool registered = register_collector({
    .name = "replication",
    .description =
        "Replica lag (pg_stat_replication) and replication slots, logical (CDC) ones included",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<ReplicationCollector>();
    },
    // Names postgres_exporter exports too (0.11's built-in maps; 0.20's replication_slots and
    // stat_replication collectors), whatever their labels.
    .postgres_exporter_families =
        {"pg_stat_replication_pg_current_wal_lsn_bytes", "pg_stat_replication_pg_wal_lsn_diff",
         "pg_replication_slots_active", "pg_replication_slots_pg_wal_lsn_diff",
         "pg_replication_slots_safe_wal_size_bytes", "pg_replication_slots_wal_status"},
});

}  // namespace
}  // namespace mexp
