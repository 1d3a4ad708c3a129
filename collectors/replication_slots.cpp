// replication_slots collector: the families of postgres_exporter's replication_slots collector
// that our `replication` collector does not already export: each slot's current WAL position,
// the position its consumer confirmed, and whether it is active, labelled slot_name and slot_type
// as upstream labels them (0.20; before 0.20 they were named pg_replication_slot_slot_*).
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

// A standby has no current insert position: its receive position stands in, as upstream's.
constexpr const char* kStatement = R"SQL(
SELECT slot_name::text, slot_type,
       pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery()
                                       THEN pg_catalog.pg_last_wal_receive_lsn()
                                       ELSE pg_catalog.pg_current_wal_lsn() END, '0/0')
         AS current_wal_lsn,
       pg_catalog.pg_wal_lsn_diff(coalesce(confirmed_flush_lsn, '0/0'), '0/0')
         AS confirmed_flush_lsn,
       active::int AS active
FROM pg_catalog.pg_replication_slots
ORDER BY slot_name)SQL";

class ReplicationSlotsCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement);
    auto current =
        gauge_family("pg_replication_slots_slot_current_wal_lsn", "current wal lsn value");
    auto confirmed = gauge_family("pg_replication_slots_slot_confirmed_flush_lsn",
                                  "last lsn confirmed flushed to the replication slot");
    auto active = gauge_family("pg_replication_slots_slot_is_active",
                               "whether the replication slot is active or not");
    const auto base = server_labels(context.base_labels);
    for (int row = 0; row < result.rows(); ++row) {
      const auto labels = with_labels(
          base, {{"slot_name", result.text(row, 0)}, {"slot_type", result.text(row, 1)}});
      if (const auto lsn = result.optional_number(row, 2)) add_gauge(current, labels, *lsn);
      // As upstream: the confirmed position only while a consumer is connected.
      const bool is_active = result.number(row, 4) == 1;
      if (is_active) add_gauge(confirmed, labels, result.number(row, 3));
      add_gauge(active, labels, is_active ? 1 : 0);
    }
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(current));
    families.push_back(std::move(confirmed));
    families.push_back(std::move(active));
    return families;
  }
};

const bool registered = register_collector({
    .name = "replication_slots",
    .description = "Each replication slot's WAL positions and activity, as postgres_exporter's "
                   "replication_slots collector labels them",
    .enabled_by_default = true,
    .default_interval = std::chrono::milliseconds(0),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<ReplicationSlotsCollector>();
    },
    .postgres_exporter_families = {"pg_replication_slots_slot_current_wal_lsn",
                                   "pg_replication_slots_slot_confirmed_flush_lsn",
                                   "pg_replication_slots_slot_is_active"},
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
