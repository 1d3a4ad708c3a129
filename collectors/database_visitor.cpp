// Visiting other databases: discovery, one lazily opened session per database (closed when the
// database leaves the selection), and per-database success reporting.
#include "collectors/database_visitor.h"

#include <algorithm>
#include <set>

#include "core/database_conninfo.h"
#include "core/log.h"

namespace mexp {
namespace {

Labels with_datname(const Labels& base, const std::string& dbname) {
  Labels labels = base;
  bool replaced = false;
  for (auto& label : labels) {
    if (label.name == "datname") {
      label.value = valid_utf8(dbname);
      replaced = true;
    }
  }
  if (!replaced) labels.insert(labels.begin(), {"datname", valid_utf8(dbname)});
  return labels;
}

}  // namespace

DatabaseSelection read_database_selection(CollectorOptions& options) {
  DatabaseSelection selection;
  selection.databases = options.get_strings("databases", {});
  selection.all_databases = options.get_bool("all_databases", false);
  selection.exclude_databases = options.get_strings("exclude_databases", {});
  return selection;
}

DatabaseVisitor::DatabaseVisitor(std::string collector, DatabaseSelection selection)
    : collector_(std::move(collector)), selection_(std::move(selection)) {}

std::vector<std::string> DatabaseVisitor::selected_databases(PgSession& target_session) {
  std::set<std::string> names(selection_.databases.begin(), selection_.databases.end());
  if (selection_.all_databases) {
    auto result = target_session.query(kOtherDatabasesSql);
    for (int row = 0; row < result.rows(); ++row) names.emplace(result.text(row, 0));
  }
  names.erase(target_session.datname());
  for (const auto& excluded : selection_.exclude_databases) names.erase(excluded);
  return {names.begin(), names.end()};
}

PgSession& DatabaseVisitor::session_for(const PgSession& target_session,
                                        const std::string& dbname) {
  auto& session = sessions_[dbname];
  if (!session) {
    SessionSettings settings = target_session.settings();
    settings.conninfo = conninfo_for_database(settings.conninfo, dbname);
    session = std::make_unique<PgSession>(std::move(settings));
  }
  if (!session->connected()) session->connect();
  return *session;
}

void DatabaseVisitor::visit_all(CollectContext& context, const Visit& visit,
                                std::vector<prometheus::MetricFamily>& families) {
  visit(context.session, context.base_labels);
  if (!selection_.visits_others()) return;

  const auto databases = selected_databases(context.session);
  // Sessions of databases that left the selection (dropped, excluded) are closed.
  std::erase_if(sessions_, [&](const auto& entry) {
    return !std::binary_search(databases.begin(), databases.end(), entry.first);
  });
  std::erase_if(failing_, [&](const std::string& dbname) {
    return !std::binary_search(databases.begin(), databases.end(), dbname);
  });

  auto up = gauge_family("migration_exporter_" + collector_ + "_database_up",
                         "Whether the " + collector_ +
                             " collector read this database in its last poll (it visits other "
                             "databases of the server through sessions of its own)");
  add_gauge(up, context.base_labels, 1);
  for (const auto& dbname : databases) {
    const Labels labels = with_datname(context.base_labels, dbname);
    try {
      visit(session_for(context.session, dbname), labels);
      add_gauge(up, labels, 1);
      if (failing_.erase(dbname) > 0)
        log::info("reading the database works again",
                  {{"collector", collector_}, {"database", dbname}});
    } catch (const PgError& error) {
      // A dropped or unreachable database: reconnect from scratch next poll. Warned once per
      // outage (the gauge shows it every poll), not once per poll.
      const bool new_failure = failing_.insert(dbname).second;
      (new_failure ? log::warn : log::debug)(
          "reading the database failed",
          {{"collector", collector_}, {"database", dbname}, {"err", error.what()}});
      if (error.connection_lost()) sessions_.erase(dbname);
      add_gauge(up, labels, 0);
    }
  }
  families.push_back(std::move(up));
}

}  // namespace mexp
