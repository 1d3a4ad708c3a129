// Lets a per-database collector (pg_stat_user_tables is per database) visit other databases of the
// same server: a configured list or every connectable database, each through a session of its own
// with the target's settings.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/collector.h"

namespace mexp {

struct DatabaseSelection {
  std::vector<std::string> databases;          // visited in addition to the target's own database
  bool all_databases = false;                  // discover every database that accepts connections
  std::vector<std::string> exclude_databases;  // exact names, applied to discovery and the list
  bool visits_others() const { return all_databases || !databases.empty(); }
};

// Reads databases, all_databases and exclude_databases.
DatabaseSelection read_database_selection(CollectorOptions& options);

class DatabaseVisitor {
 public:
  using Visit = std::function<void(PgSession& session, const Labels& base_labels)>;

  // `collector` names the self-metric migration_exporter_<collector>_database_up.
  DatabaseVisitor(std::string collector, DatabaseSelection selection);

  // Runs `visit` for the target's own database (its failure propagates: the collector fails) and
  // then for every other selected database, whose failures are reported in
  // migration_exporter_<collector>_database_up{datname} (appended to `families` when other
  // databases are visited) so one unreachable database does not hide the rest.
  void visit_all(CollectContext& context, const Visit& visit,
                 std::vector<prometheus::MetricFamily>& families);

 private:
  std::vector<std::string> selected_databases(PgSession& target_session);
  PgSession& session_for(const PgSession& target_session, const std::string& dbname);

  std::string collector_;
  DatabaseSelection selection_;
  std::map<std::string, std::unique_ptr<PgSession>> sessions_;
  std::set<std::string> failing_;  // databases whose failure was already logged
};

}  // namespace mexp
