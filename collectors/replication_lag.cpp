// replication_lag collector: postgres_exporter's replication collector (pg_replication_is_replica,
// pg_replication_lag_seconds, pg_replication_last_replay_seconds), and pg_replication_lag, the
// name of the same lag in postgres_exporter's example queries.yaml, which the upstream mixin's
// PostgresReplicationLaggingMore1Hour alert still queries. Named apart from our `replication`
// collector (replicas and slots seen from the primary), which had the name first.
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

// On a primary both lags are 0. On a standby the lag is the age of the last replayed transaction,
// except when everything received has been replayed (an idle primary: then 0, not a growing age).
// GREATEST ignores NULL, so a standby that has replayed nothing yet shows 0.
constexpr const char* kStatement = R"SQL(
SELECT CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN 0
            WHEN pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn() THEN 0
            ELSE GREATEST(0, extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp()))
       END AS lag,
       CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN 0
            ELSE GREATEST(0, extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp()))
       END AS example_lag,
       pg_catalog.pg_is_in_recovery()::int AS is_replica,
       GREATEST(0, extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp()))
         AS last_replay)SQL";

class ReplicationLagCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement);
    const auto labels = server_labels(context.base_labels);
    std::vector<prometheus::MetricFamily> families;
    const auto add = [&](const char* name, const char* help, const char* column) {
      families.push_back(gauge_family(name, help));
      add_gauge(families.back(), labels, result.number(0, result.column(column)));
    };
    add("pg_replication_lag_seconds", "Replication lag behind master in seconds", "lag");
    add("pg_replication_is_replica", "Indicates if the server is a replica", "is_replica");
    add("pg_replication_last_replay_seconds", "Age of last replay in seconds", "last_replay");
    add("pg_replication_lag", "Replication lag behind master in seconds", "example_lag");
    return families;
  }
};

const bool registered = register_collector({
    .name = "replication_lag",
    .description = "Whether this server is a standby and how far its replay lags "
                   "(postgres_exporter's pg_replication_*)",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<ReplicationLagCollector>();
    },
    .postgres_exporter_families = {"pg_replication_lag_seconds", "pg_replication_is_replica",
                                   "pg_replication_last_replay_seconds", "pg_replication_lag"},
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
