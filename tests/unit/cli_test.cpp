// Flag parsing: both flag forms, defaults, and clear errors.
#include "exporter/cli.h"

#include <gtest/gtest.h>

#include <map>

TEST(Flags, DefaultsFollowTheEcosystem) {
  std::string error;
  auto flags = mexp::parse_flags({}, error);
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->listen_addresses, std::vector<std::string>{":10211"});
  EXPECT_EQ(flags->poll_interval, std::chrono::seconds(15));
  EXPECT_FALSE(flags->poll_interval_given);
  EXPECT_EQ(flags->log_format, "logfmt");
  EXPECT_EQ(flags->telemetry_path, "/metrics");
  EXPECT_FALSE(flags->enable_lifecycle) << "POST /-/reload is off unless asked for";
}

TEST(Flags, BothFormsAreAccepted) {
  std::string error;
  auto flags = mexp::parse_flags(
      {"--web.listen-address=127.0.0.1:9999", "--poll.interval", "30s", "--log.format=json",
       "--log.level", "debug", "--config.file=/etc/x.toml", "--check-config"},
      error);
  ASSERT_TRUE(flags) << error;
  EXPECT_EQ(flags->listen_addresses, std::vector<std::string>{"127.0.0.1:9999"});
  EXPECT_EQ(flags->poll_interval, std::chrono::seconds(30));
  EXPECT_EQ(flags->log_format, "json");
  EXPECT_EQ(flags->log_level, "debug");
  EXPECT_EQ(flags->config_file, "/etc/x.toml");
  EXPECT_TRUE(flags->check_config);
}

TEST(Flags, MistakesAreNamed) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--nope"}, "unknown flag '--nope' (see --help)"},
      {{"--config.file"}, "flag --config.file needs a value"},
      {{"--poll.interval=15"},
       "flag --poll.interval: invalid duration '15' (examples: 15s, 1m, 500ms)"},
      {{"--log.format=xml"}, "flag --log.format: must be logfmt or json; got 'xml'"},
      {{"--log.level=loud"},
       "flag --log.level: must be one of debug, info, warn, error; got 'loud'"},
      {{"--version=yes"}, "flag --version takes no value"},
      {{"--no-collector.tables=1"}, "flag --no-collector.tables takes no value"},
      {{"--web.telemetry-path=metrics"},
       "flag --web.telemetry-path: must start with '/' and not be /, /healthz, /readyz, "
       "/-/reload or /probe; got 'metrics'"},
      {{"--web.telemetry-path=/healthz"},
       "flag --web.telemetry-path: must start with '/' and not be /, /healthz, /readyz, "
       "/-/reload or /probe; got '/healthz'"},
      {{"--web.telemetry-path=/probe"},
       "flag --web.telemetry-path: must start with '/' and not be /, /healthz, /readyz, "
       "/-/reload or /probe; got '/probe'"},
      {{"--include-databases"}, "flag --include-databases needs a value"},
      {{"--auto-discover-databases=yes"}, "flag --auto-discover-databases takes no value"},
  };
  for (const auto& [args, expected] : cases) {
    std::string error;
    EXPECT_FALSE(mexp::parse_flags(args, error));
    EXPECT_EQ(error, expected);
  }
}

TEST(Flags, ListenAddressRepeatsAndEveryOneIsKept) {
  std::string error;
  auto flags = mexp::parse_flags(
      {"--web.listen-address=127.0.0.1:9001", "--web.listen-address", "[::1]:9002"}, error);
  ASSERT_TRUE(flags) << error;
  EXPECT_EQ(flags->listen_addresses, (std::vector<std::string>{"127.0.0.1:9001", "[::1]:9002"}))
      << "each address is listened on, not only the last";
}

TEST(Flags, CollectorFlagsComeFromTheRegistry) {
  std::string error;
  EXPECT_FALSE(mexp::parse_flags({"--collector.nope"}, error));
  EXPECT_EQ(error.rfind("flag --collector.nope: no collector 'nope' (known: activity, ", 0), 0u)
      << error;
  auto flags = mexp::parse_flags(
      {"--no-collector.history", "--collector.indexes", "--collector.disable-defaults",
       "--web.enable-lifecycle", "--web.telemetry-path=/prometheus", "--poll.interval=1s"},
      error);
  ASSERT_TRUE(flags) << error;
  EXPECT_EQ(flags->collector_defaults,
            (std::map<std::string, bool>{{"history", false}, {"indexes", true}}));
  EXPECT_TRUE(flags->disable_default_collectors);
  EXPECT_TRUE(flags->enable_lifecycle);
  EXPECT_EQ(flags->telemetry_path, "/prometheus");
  EXPECT_TRUE(flags->poll_interval_given);
  const auto help = mexp::usage();
  EXPECT_NE(help.find("--no-collector.<name>"), std::string::npos);
  EXPECT_NE(help.find("--web.enable-lifecycle"), std::string::npos);
}

TEST(Flags, AutoDiscoveryFlagsArePostgresExportersAndSplitTheirLists) {
  std::string error;
  const auto flags = mexp::parse_flags(
      {"--auto-discover-databases", "--exclude-databases=scratch,,tmp", "--include-databases", "a"},
      error);
  ASSERT_TRUE(flags) << error;
  EXPECT_TRUE(flags->discovery.enabled);
  EXPECT_EQ(flags->discovery.exclude, (std::vector<std::string>{"scratch", "tmp"}));
  EXPECT_EQ(flags->discovery.include, (std::vector<std::string>{"a"}));
  EXPECT_FALSE(mexp::parse_flags({}, error)->discovery.enabled);
}
