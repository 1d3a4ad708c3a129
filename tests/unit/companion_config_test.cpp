// Companion mode in the configuration: [compat] companion = true or the --compat.companion flag
// leaves out the collectors whose every family is postgres_exporter's, and tells the others which
// of their families to drop.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/collector.h"
#include "exporter/cli.h"
#include "exporter/config.h"

namespace {

// Empty text means no file at all (an empty file is refused: it looks like a truncated one).
std::optional<mexp::Config> load(const std::string& text, bool flag) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("me-companion-" + std::to_string(::getpid()) + ".toml");
  if (!text.empty()) std::ofstream(path) << text;
  mexp::ConfigErrors errors;
  auto config = mexp::load_config(
      {text.empty() ? "" : path.string(), std::chrono::seconds(15), flag}, errors);
  if (!text.empty()) std::filesystem::remove(path);
  EXPECT_TRUE(errors.empty()) << errors.joined();
  return config;
}

const mexp::CollectorPlan* plan(const mexp::Config& config, const std::string& name) {
  const auto& plans = config.targets.at(0).collectors;
  const auto found = std::find_if(plans.begin(), plans.end(),
                                  [&](const auto& candidate) { return candidate.name == name; });
  return found == plans.end() ? nullptr : &*found;
}

}  // namespace

TEST(Companion, OffByDefault_TheSupersetCollectorsRunAndNothingIsDropped) {
  const auto config = load("", false);
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->companion);
  EXPECT_FALSE(config->targets.at(0).companion);
  for (const char* name : {"settings", "stat_database", "stat_bgwriter", "database"})
    EXPECT_NE(plan(*config, name), nullptr) << name;
  ASSERT_NE(plan(*config, "locks"), nullptr);
  EXPECT_TRUE(plan(*config, "locks")->dropped_families.empty());
}

TEST(Companion, TheConfigKeyOrTheFlagTurnsItOn) {
  for (const auto& [text, flag] :
       {std::pair{"[compat]\ncompanion = true\n", false}, std::pair{"", true}}) {
    const auto config = load(text, flag);
    ASSERT_TRUE(config);
    EXPECT_TRUE(config->companion);
    EXPECT_TRUE(config->targets.at(0).companion);
    // Collectors with only postgres_exporter's families are not run at all...
    for (const char* name : {"settings", "stat_database", "stat_bgwriter", "replication_lag", "wal",
                             "postmaster", "stat_archiver"})
      EXPECT_EQ(plan(*config, name), nullptr) << name;
    // ...the others run without theirs.
    const auto* locks = plan(*config, "locks");
    ASSERT_NE(locks, nullptr);
    EXPECT_EQ(locks->dropped_families, std::vector<std::string>{"pg_locks_count"});
    const auto* database = plan(*config, "database");
    ASSERT_NE(database, nullptr);
    EXPECT_EQ(database->dropped_families.size(), 2u);
    const auto* history = plan(*config, "history");
    ASSERT_NE(history, nullptr);
    EXPECT_TRUE(history->dropped_families.empty());
  }
}

TEST(Companion, ABadValueOrKeyIsAnError) {
  for (const char* text : {"[compat]\ncompanion = \"yes\"\n", "[compat]\ncompanoin = true\n"}) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("me-companion-bad-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << text;
    mexp::ConfigErrors errors;
    EXPECT_FALSE(mexp::load_config({path.string(), std::chrono::seconds(15)}, errors)) << text;
    std::filesystem::remove(path);
    EXPECT_NE(errors.joined().find("compat.compan"), std::string::npos) << errors.joined();
  }
}

TEST(Companion, TheFlagTakesNoValue) {
  std::string error;
  const auto flags = mexp::parse_flags({"--compat.companion"}, error);
  ASSERT_TRUE(flags) << error;
  EXPECT_TRUE(flags->companion);
  EXPECT_FALSE(mexp::parse_flags({"--compat.companion=true"}, error));
  EXPECT_NE(error.find("takes no value"), std::string::npos);
}
