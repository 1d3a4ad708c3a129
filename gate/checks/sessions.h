// What the session checks share: the named long-running transactions the activity collector
// returns (pg_long_running_transaction_session_age_seconds), filtered and described.
#pragma once

#include <functional>

#include "gate/check.h"

namespace mexp::gate {

// The activity collector names at most this many sessions per database for the gate.
inline constexpr std::int64_t kNamedSessions = 20;

// The collector must name every transaction at least `limit` old.
inline void name_sessions_older_than(const Limit& limit, CollectorTuning& tuning) {
  tuning.at_most("activity", "long_transaction_threshold",
                 std::chrono::milliseconds(static_cast<std::int64_t>(limit.value * 1000)));
  tuning.at_least("activity", "session_limit", kNamedSessions);
}

// Fails when more sessions than the limit allows match `wanted` (by state) and are at least
// `limit` old; names each: pid, user, application, state, age and the tables it holds locks on.
inline Verdict judge_sessions(const CheckInput& input, const Limit& age_limit,
                              const std::function<bool(const std::string&)>& wanted) {
  Verdict verdict;
  int offenders = 0;
  double oldest = 0;
  const auto named = input.families.series("pg_long_running_transaction_session_age_seconds",
                                           {{"datname", input.datname}});
  for (const auto& session : named) {
    if (session.value < age_limit.value || !wanted(session.label("state"))) continue;
    ++offenders;
    oldest = std::max(oldest, session.value);
    const auto& relations = session.label("relations");
    verdict.details.push_back(
        "pid " + session.label("pid") + " user " + session.label("usename") + " application '" +
        session.label("application_name") + "' " + session.label("state") + ", transaction open " +
        format_seconds(session.value) +
        (relations.empty() ? ", holds no table lock" : ", holds locks on " + relations));
  }
  double unnamed = 0;
  for (const auto& dropped : input.families.series("pg_long_running_transaction_sessions_dropped",
                                                   {{"datname", input.datname}}))
    unnamed += dropped.value;
  if (unnamed > 0 && offenders > 0)
    verdict.details.push_back("and up to " + format_value(LimitKind::count, unnamed) +
                              " more not named (session_limit)");
  verdict.observed =
      offenders == 0 ? "none"
                     : std::to_string(offenders) + " session(s), oldest " + format_seconds(oldest);
  if (offenders > 0) {
    verdict.outcome = Outcome::fail;
    return verdict;
  }
  // Sessions the role may not see could be the very ones: that is not a pass.
  double hidden = 0;
  for (const auto& series :
       input.families.series("pg_stat_activity_hidden_sessions", {{"datname", input.datname}}))
    hidden += series.value;
  if (hidden > 0) {
    verdict.outcome = Outcome::error;
    verdict.observed = format_value(LimitKind::count, hidden) +
                       " session(s) hidden from the monitoring role (grant it pg_monitor)";
  }
  return verdict;
}

}  // namespace mexp::gate
