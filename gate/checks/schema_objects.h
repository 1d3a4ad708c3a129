// What the schema checks share: a pg_schema_* count for the target's database and the objects its
// _info family names (capped by the schema_health collector's max_objects).
#pragma once

#include <functional>

#include "gate/check.h"

namespace mexp::gate {

// Fails when the database counts more objects in `count_family` than the limit allows; names each
// from `info_family` with `describe`. The count covers every object, the names only those kept.
inline Verdict judge_schema_objects(const CheckInput& input, const std::string& count_family,
                                    const std::string& info_family, const std::string& noun,
                                    const std::function<std::string(const Series&)>& describe) {
  Verdict verdict;
  const auto counts = input.families.series(count_family, {{"datname", input.datname}});
  if (counts.empty()) {
    verdict.outcome = Outcome::error;  // the collector returned nothing for the database
    verdict.observed = "the schema could not be read (see the exporter's log)";
    return verdict;
  }
  double counted = 0;
  for (const auto& count : counts) counted += count.value;
  double named = 0;
  for (const auto& object : input.families.series(info_family, {{"datname", input.datname}})) {
    verdict.details.push_back(describe(object));
    ++named;
  }
  if (named < counted)
    verdict.details.push_back("and " + format_value(LimitKind::count, counted - named) +
                              " more not named (schema_health max_objects)");
  verdict.observed = counted == 0 ? "none" : format_value(LimitKind::count, counted) + " " + noun;
  if (counted > input.limit.value) verdict.outcome = Outcome::fail;
  return verdict;
}

}  // namespace mexp::gate
