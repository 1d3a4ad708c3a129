// Flag parsing: both flag forms, defaults, and clear errors.
#include "exporter/cli.h"

#include <gtest/gtest.h>

TEST(Flags, DefaultsFollowTheEcosystem) {
  std::string error;
  auto flags = mexp::parse_flags({}, error);
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->listen_address, ":10211");
  EXPECT_EQ(flags->poll_interval, std::chrono::seconds(15));
  EXPECT_EQ(flags->log_format, "logfmt");
}

TEST(Flags, BothFormsAreAccepted) {
  std::string error;
  auto flags = mexp::parse_flags(
      {"--web.listen-address=127.0.0.1:9999", "--poll.interval", "30s", "--log.format=json",
       "--log.level", "debug", "--config.file=/etc/x.toml", "--check-config"},
      error);
  ASSERT_TRUE(flags) << error;
  EXPECT_EQ(flags->listen_address, "127.0.0.1:9999");
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
  };
  for (const auto& [args, expected] : cases) {
    std::string error;
    EXPECT_FALSE(mexp::parse_flags(args, error));
    EXPECT_EQ(error, expected);
  }
}
