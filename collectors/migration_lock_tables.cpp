// Reading the migration tools' lock tables and what each row says (migration_lock_tables.h).
#include "collectors/migration_lock_tables.h"

#include <algorithm>
#include <optional>

namespace mexp {

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

// All lock tables in one statement: is it locked, since when, by whom, until when the holder's
// lease runs, and which transactions are updating its rows right now.
PgResult read_lock_tables(PgSession& session, const std::vector<const FoundTable*>& tables,
                          const std::vector<const ToolLock*>& tools) {
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

bool lock_table_says_locked(const PgResult& rows) {
  for (int row = 0; row < rows.rows(); ++row) {
    if (rows.boolean(row, 1) || !rows.is_null(row, 5)) return true;
  }
  return false;
}

// A lock table says who runs only indirectly. The holder is live when one of its rows is being
// updated by an open transaction (Knex locks inside the migration transaction), or, for
// Liquibase, when a session is connected from the address the lock names. Without a live holder,
// a lock with a lease is stale once the lease ran out (goose), and any other lock once it is
// older than stale_lock_after: a tool with no lease cannot tell a dead holder from a slow one
// sooner.
MigrationObservation lock_table_observation(const ToolLock& tool, const PgResult& rows, int row,
                                            const LiveFacts& facts, const std::string& lock_key,
                                            std::chrono::milliseconds stale_lock_after,
                                            const HeldSeconds& held_seconds) {
  MigrationObservation observation;
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

  // The lock's own timestamp is exact when the tool records one; otherwise the holder's
  // transaction, or how long we have seen it locked.
  const double age =
      locked_for ? std::max(0.0, *locked_for) : held_seconds(lock_key, holder_age.value_or(0));
  if (!observation.holders.empty()) {
    observation.running = true;
  } else if (!rows.is_null(row, 4)) {
    observation.running = rows.boolean(row, 4);
  } else {
    observation.running = age < std::chrono::duration<double>(stale_lock_after).count();
  }
  observation.stale = !observation.running;
  if (observation.running) observation.seconds = age;
  return observation;
}

}  // namespace mexp
