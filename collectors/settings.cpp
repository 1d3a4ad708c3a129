// settings collector: postgres_exporter's pg_settings_<name>[_seconds|_bytes], one gauge per
// boolean or numeric server parameter (pg_settings), with time units converted to seconds and
// memory units to bytes, exactly as postgres_exporter names and converts them.
#include <cmath>
#include <map>
#include <optional>

#include "collectors/server_wide.h"
#include "core/collector.h"

namespace mexp {
namespace {

// The exporter's session sets a few parameters itself (statement_timeout, lock_timeout,
// default_transaction_read_only, jit...): for those (source 'session') the value reported is the
// one the session started with, reset_val, i.e. what the server gives any session of this role. The
// current transaction's transaction_read_only and transaction_deferrable follow from the session's
// defaults: they are reported as those defaults' reset values.
constexpr const char* kStatement = R"SQL(
SELECT s.name,
       CASE WHEN d.name IS NOT NULL THEN d.reset_val
            WHEN s.source = 'session' THEN s.reset_val
            ELSE s.setting END AS setting,
       coalesce(s.unit, '') AS unit, s.vartype
FROM pg_catalog.pg_settings s
LEFT JOIN pg_catalog.pg_settings d
  ON s.name IN ('transaction_read_only', 'transaction_deferrable') AND d.name = 'default_' || s.name
WHERE s.vartype IN ('bool', 'integer', 'real'))SQL";

struct Unit {
  const char* suffix;  // of the family name
  double factor;       // to seconds or bytes
};

// pg_settings.unit values: time units, and memory units that may carry a block size ("8kB").
std::optional<Unit> unit_of(std::string_view unit) {
  static const std::map<std::string_view, Unit> units = {
      {"ms", {"seconds", 1e-3}},
      {"s", {"seconds", 1}},
      {"min", {"seconds", 60}},
      {"h", {"seconds", 3600}},
      {"d", {"seconds", 86400}},
      {"B", {"bytes", 1}},
      {"kB", {"bytes", 1024}},
      {"MB", {"bytes", 1024.0 * 1024}},
      {"GB", {"bytes", 1024.0 * 1024 * 1024}},
      {"TB", {"bytes", 1024.0 * 1024 * 1024 * 1024}},
      {"1kB", {"bytes", 1024}},
      {"2kB", {"bytes", 2048}},
      {"4kB", {"bytes", 4096}},
      {"8kB", {"bytes", 8192}},
      {"16kB", {"bytes", 16384}},
      {"32kB", {"bytes", 32768}},
      {"64kB", {"bytes", 65536}},
      {"16MB", {"bytes", 16.0 * 1024 * 1024}},
      {"32MB", {"bytes", 32.0 * 1024 * 1024}},
      {"64MB", {"bytes", 64.0 * 1024 * 1024}},
  };
  const auto found = units.find(unit);
  if (found == units.end()) return std::nullopt;
  return found->second;
}

// Extension settings are named "extension.setting": '.' and '-' are not valid in metric names.
std::string metric_name(std::string_view setting) {
  std::string name = "pg_settings_";
  for (char c : setting) name += (c == '.' || c == '-') ? '_' : c;
  return name;
}

class SettingsCollector final : public Collector {
 public:
  std::vector<prometheus::MetricFamily> collect(CollectContext& context) override {
    const auto result = context.session.query(kStatement);
    const int name = result.column("name"), setting = result.column("setting"),
              unit_column = result.column("unit"), vartype = result.column("vartype");
    const auto labels = server_labels(context.base_labels);
    std::vector<prometheus::MetricFamily> families;
    for (int row = 0; row < result.rows(); ++row) {
      const std::string parameter(result.text(row, name));
      std::string family = metric_name(parameter);
      std::string help = "Server Parameter: " + parameter;
      double value = 0;
      if (result.text(row, vartype) == "bool") {
        value = result.text(row, setting) == "on" ? 1 : 0;
      } else {
        const auto number = result.optional_number(row, setting);
        if (!number) continue;
        value = *number;
        const std::string_view unit_text = result.text(row, unit_column);
        if (!unit_text.empty()) {
          const auto unit = unit_of(unit_text);
          if (!unit) continue;  // a unit PostgreSQL does not have today: no guessed name
          family += std::string("_") + unit->suffix;
          help += std::string(" [Units converted to ") + unit->suffix + ".]";
          if (value != -1) value *= unit->factor;  // -1 means "disabled", kept as it is
        }
      }
      families.push_back(gauge_family(std::move(family), std::move(help)));
      add_gauge(families.back(), labels, value);
    }
    return families;
  }
};

const bool registered = register_collector({
    .name = "settings",
    .description = "pg_settings: every boolean and numeric server parameter, in seconds or bytes "
                   "(postgres_exporter's pg_settings_*)",
    .enabled_by_default = true,
    .default_interval = std::chrono::minutes(5),
    .factory = [](CollectorOptions&) -> std::unique_ptr<Collector> {
      return std::make_unique<SettingsCollector>();
    },
    .postgres_exporter_only = true,
});

}  // namespace
}  // namespace mexp
