// roles collector: postgres_exporter's pg_roles_connection_limit{rolname} (-1: no limit), for at
// most max_roles roles (by name); a server with thousands of login roles keeps a bounded output and
// counts the rest in migration_exporter_roles_dropped.
#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

constexpr const char* kStatement =
    "SELECT rolname::text, rolconnlimit, count(*) OVER () AS matched FROM pg_catalog.pg_roles "
    "ORDER BY rolname LIMIT $1::bigint";

class RolesCollector final : public Collector {
 public:
  explicit RolesCollector(std::int64_t max_roles) : max_roles_(max_roles) {}

  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement, {std::to_string(max_roles_)});
    const auto base = server_labels(context.base_labels);
    auto limit = gauge_family("pg_roles_connection_limit", "Connection limit set for the role");
    auto dropped = gauge_family("migration_exporter_roles_dropped",
                                "Roles left out of pg_roles_connection_limit in the last poll "
                                "because of the max_roles cap");
    double matched = 0;
    for (int row = 0; row < result.rows(); ++row) {
      add_gauge(limit, with_labels(base, {{"rolname", result.text(row, 0)}}),
                result.number(row, 1));
      matched = result.number(row, 2);
    }
    add_gauge(dropped, base, matched - result.rows());
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(limit));
    families.push_back(std::move(dropped));
    return families;
  }

 private:
  std::int64_t max_roles_;
};

const bool registered = register_collector({
    .name = "roles",
    .description = "Connection limit of each role (postgres_exporter's pg_roles_connection_limit), "
                   "capped by max_roles",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(1),
    .factory = [](CollectorOptions& options) -> std::unique_ptr<Collector> {
      return std::make_unique<RolesCollector>(options.get_int("max_roles", 1000, 1, 1000000));
    },
    .postgres_exporter_families = {"pg_roles_connection_limit"},
});

}  // namespace
}  // namespace mexp
