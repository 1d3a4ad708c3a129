// Configuration loading: good files, and every kind of mistake with its exact message.
#include "exporter/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/collector.h"
#include "exporter/environment_expansion.h"

namespace {

class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() / ("me-config-" + std::to_string(::getpid()) +
                                                      "-" + std::to_string(counter_++) + ".toml");
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::vector<std::string> errors_of(const std::string& text, std::string* file_out = nullptr) {
  ConfigFile file(text);
  if (file_out) *file_out = file.path();
  mexp::ConfigErrors errors;
  auto config = mexp::load_config({file.path(), std::chrono::seconds(15)}, errors);
  EXPECT_FALSE(config.has_value());
  std::vector<std::string> messages;
  for (const auto& error : errors.list()) {
    // Strip the temp path so that expectations read well.
    auto text_error = error.to_string();
    messages.push_back(text_error.substr(text_error.find(".toml:") + 6));
  }
  return messages;
}

}  // namespace

TEST(Config, ZeroConfigUsesDataSourceNameAndEveryDefaultCollector) {
  ::setenv("DATA_SOURCE_NAME", "postgresql://monitor@db.example:5433/orders", 1);
  mexp::ConfigErrors errors;
  auto config = mexp::load_config({"", std::chrono::seconds(20)}, errors);
  ::unsetenv("DATA_SOURCE_NAME");
  ASSERT_TRUE(config) << errors.joined();
  ASSERT_EQ(config->targets.size(), 1u);
  EXPECT_FALSE(config->label_targets);
  EXPECT_EQ(config->targets[0].session.conninfo, "postgresql://monitor@db.example:5433/orders");
  EXPECT_EQ(config->targets[0].session.lock_timeout, std::chrono::milliseconds(100));
  bool has_history = false;
  for (const auto& plan : config->targets[0].collectors) {
    if (plan.name == "history") {
      has_history = true;
      EXPECT_EQ(plan.interval, std::chrono::seconds(20))
          << "--poll.interval is the default interval";
    }
  }
  EXPECT_TRUE(has_history);
}

TEST(Config, TargetsPasswordsTimeoutsAndCollectorOverrides) {
  ::setenv("ME_TEST_PW", "from-env", 1);
  ::setenv("ME_TEST_HOST", "db1.internal", 1);
  ConfigFile secret("from-file\n");
  ConfigFile file(R"(statement_timeout = "3s"

[collectors.history]
interval = "1m"
info_limit = 20

[[targets]]
name = "orders"
dsn = "host=${ME_TEST_HOST} dbname=orders user=monitor"
password_env = "ME_TEST_PW"
lock_timeout = "250ms"

[[targets]]
name = "billing"
dsn = "postgresql://monitor@db2/billing"
password_file = ")" +
                  secret.path() + R"("
time_zone = "Europe/Paris"
[targets.collectors.history]
enabled = false
)");
  mexp::ConfigErrors errors;
  auto config = mexp::load_config({file.path(), std::chrono::seconds(15)}, errors);
  ASSERT_TRUE(config) << errors.joined();
  ASSERT_EQ(config->targets.size(), 2u);
  EXPECT_TRUE(config->label_targets);
  const auto& orders = config->targets[0];
  EXPECT_EQ(orders.session.conninfo, "host=db1.internal dbname=orders user=monitor");
  EXPECT_EQ(orders.session.password, "from-env");
  EXPECT_EQ(orders.session.statement_timeout, std::chrono::seconds(3));
  EXPECT_EQ(orders.session.lock_timeout, std::chrono::milliseconds(250));
  ASSERT_FALSE(orders.collectors.empty());
  for (const auto& plan : orders.collectors) {
    if (plan.name == "history") {
      EXPECT_EQ(plan.interval, std::chrono::minutes(1));
    }
  }
  const auto& billing = config->targets[1];
  EXPECT_EQ(billing.session.password, "from-file");
  EXPECT_EQ(billing.session.time_zone, "Europe/Paris");
  EXPECT_EQ(billing.session.lock_timeout, std::chrono::milliseconds(100));
  for (const auto& plan : billing.collectors) EXPECT_NE(plan.name, "history");
  ::unsetenv("ME_TEST_PW");
  ::unsetenv("ME_TEST_HOST");
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  const auto errors = errors_of("[[targets]]\nname = \"a\"\ndsn = \"unterminated\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("3:", 0), 0u) << errors[0];
}

TEST(Config, UnknownKeysAreErrorsWithTheirPlace) {
  const auto errors = errors_of(R"(statment_timeout = "1s"
[[targets]]
name = "a"
dns = "host=x"
[collectors.history]
info_limt = 3
)");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "1:1: key 'statment_timeout': unknown key");
  EXPECT_EQ(errors[1], "4:1: key 'targets[0].dns': unknown key");
  EXPECT_EQ(errors[2], "6:1: key 'collectors.history.info_limt': unknown key");
}

// The registry's names as the error lists them; other branches add collectors.
static std::string known_collectors() {
  std::string known;
  for (const auto& info : mexp::registered_collectors())
    known += (known.empty() ? "" : ", ") + info.name;
  return known;
}

TEST(Config, BadValuesAreReportedTogether) {
  const auto errors = errors_of(R"(lock_timeout = "soon"
[collectors.history]
interval = 15
info_limit = 100000
[collectors.nosuch]
enabled = true
[[targets]]
name = "a"
password_env = "ME_SURELY_UNSET_VARIABLE"
[[targets]]
name = "a"
dsn = "host=${ME_ALSO_UNSET}"
password_file = "/nonexistent/secret"
)");
  const std::vector<std::string> expected = {
      "1:16: key 'lock_timeout': must be a positive duration such as \"500ms\", \"5s\" or \"1m\"",
      "5:1: key 'collectors.nosuch': unknown collector (known: " + known_collectors() + ")",
      "9:16: key 'targets[0].password_env': environment variable 'ME_SURELY_UNSET_VARIABLE' is not "
      "set or empty",
      "3:12: key 'collectors.history.interval': must be a duration string such as \"500ms\", "
      "\"15s\" or \"1m\"",
      "4:14: key 'collectors.history.info_limit': must be between 0 and 1000, got 100000",
      "11:8: key 'targets[1].name': duplicate target name 'a'",
      "12:7: key 'targets[1].dsn': the ${...} reference number 1 names an environment variable "
      "that is not set",
      "13:17: key 'targets[1].password_file': cannot read '/nonexistent/secret'",
  };
  for (const auto& message : expected) {
    EXPECT_NE(std::find(errors.begin(), errors.end(), message), errors.end())
        << "missing: " << message << "\nall errors:\n"
        << ::testing::PrintToString(errors);
  }
}

TEST(Config, HistoryTablesNeedToolSchemaAndTable) {
  const auto errors = errors_of(R"([collectors.history]
tables = [{ tool = "flyway", schema = "app" }, { tool = "nosuchtool", schema = "a", table = "b", extra = 1 }]
)");
  const std::vector<std::string> expected = {
      "2:11: key 'collectors.history.tables[0].table': is required (a non-empty string)",
      "2:106: key 'collectors.history.tables[1].extra': unknown key",
      "2:57: key 'collectors.history.tables[1].tool': unknown tool 'nosuchtool' (known: "
      "alembic, atlas, confiture, dbmate, diesel, django, efcore, flyway, golang-migrate, goose, "
      "graphile-migrate, knex, laravel, liquibase, node-pg-migrate, postgrator, prisma, rails, "
      "sequelize, sqitch, typeorm)",
  };
  for (const auto& message : expected) {
    EXPECT_NE(std::find(errors.begin(), errors.end(), message), errors.end())
        << "missing: " << message << "\nall errors:\n"
        << ::testing::PrintToString(errors);
  }
}

TEST(Config, MissingFileIsAnError) {
  mexp::ConfigErrors errors;
  EXPECT_FALSE(mexp::load_config({"/nonexistent/config.toml", std::chrono::seconds(15)}, errors));
  ASSERT_EQ(errors.list().size(), 1u);
  EXPECT_NE(errors.list()[0].to_string().find("/nonexistent/config.toml"), std::string::npos);
}

TEST(ExpandEnvironment, ReplacesVariablesAndKeepsEscapedDollars) {
  ::setenv("ME_X", "value", 1);
  std::string problem;
  EXPECT_EQ(mexp::expand_environment("a=${ME_X} b=$$ c=$d", problem), "a=value b=$ c=$d");
  EXPECT_FALSE(mexp::expand_environment("${ME_X}${ME_NOT_THERE}", problem));
  EXPECT_EQ(problem, "the ${...} reference number 2 names an environment variable that is not set");
  ::unsetenv("ME_X");
}

TEST(Config, CollectorFlagsSetDefaultsAndTheFileWins) {
  mexp::ConfigErrors errors;
  mexp::ConfigInputs inputs{"x.toml", std::chrono::seconds(15)};
  inputs.disable_default_collectors = true;
  inputs.collector_defaults = {{"locks", true}, {"history", false}};
  std::string body = "[[targets]]\nname = \"a\"\n[collectors.tables]\nenabled = true\n";
  auto config = mexp::load_config_text(body, inputs, errors);
  ASSERT_TRUE(config) << errors.joined();
  std::vector<std::string> names;
  for (const auto& plan : config->targets[0].collectors) names.push_back(plan.name);
  EXPECT_EQ(names, (std::vector<std::string>{"locks", "tables"}));
}

TEST(Config, AnExplicitPollIntervalIsTheDefaultOfTheLiveCollectorsToo) {
  mexp::ConfigErrors errors;
  mexp::ConfigInputs inputs{"", std::chrono::seconds(1)};
  auto implicit = mexp::load_config_text("", inputs, errors);
  inputs.default_interval_explicit = true;
  auto explicit_flag = mexp::load_config_text("", inputs, errors);
  ASSERT_TRUE(implicit && explicit_flag) << errors.joined();
  for (const auto& plan : implicit->targets[0].collectors) {
    if (plan.name == "migration_progress") {
      EXPECT_EQ(plan.interval, std::chrono::seconds(5)) << "own default";
    }
  }
  for (const auto& plan : explicit_flag->targets[0].collectors)
    EXPECT_EQ(plan.interval, std::chrono::seconds(1)) << plan.name;
}
