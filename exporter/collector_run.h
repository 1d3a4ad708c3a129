// Running one collector once on a session: its families serialised as it hands them over, without
// the ones companion mode leaves out, and how long it took. Shared by the poll lanes and the
// discovered databases' sweep.
#pragma once

#include <string>

#include "core/metric_builder.h"
#include "core/pg_session.h"
#include "exporter/config.h"
#include "exporter/snapshot.h"

namespace mexp {

// A collector's last run, as the lane reports it.
struct CollectorRunResult {
  std::string collector;
  FamilyTexts families;  // serialised; null when it failed
  double duration_seconds = 0;
  bool success = false;
};

struct CollectorAttempt {
  CollectorRunResult result;
  std::string error;             // why it failed (free of credentials); empty when it succeeded
  bool connection_lost = false;  // the failure was the session's: reconnect before the next run
};

// Never throws: a collector's failure is returned, for the caller to log as its context needs.
CollectorAttempt attempt_collector(const CollectorPlan& plan, PgSession& session,
                                   const Labels& labels);

}  // namespace mexp
