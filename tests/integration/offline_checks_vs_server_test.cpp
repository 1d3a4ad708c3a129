// The checks --check-config makes without a server (regular expressions of the pattern options,
// time_zone) agree with the server itself on every case listed: what the check accepts the server
// accepts, and what it rejects the server rejects too.
#include <gtest/gtest.h>

#include "collectors/pattern_syntax.h"
#include "exporter/time_zone_check.h"
#include "tests/support/test_pg.h"

namespace {

std::unique_ptr<mexp::PgSession> superuser_session() {
  mexp::SessionSettings settings;
  settings.conninfo = mexp::test::cluster_conninfo("postgres");
  auto session = std::make_unique<mexp::PgSession>(settings);
  session->connect();
  return session;
}

bool server_accepts_pattern(mexp::PgSession& session, const std::string& pattern) {
  try {
    session.query("SELECT 'x' ~ $1", {pattern});
    return true;
  } catch (const mexp::PgError&) {
    return false;
  }
}

bool server_accepts_time_zone(mexp::PgSession& session, const std::string& zone) {
  try {
    session.query("SELECT set_config('TimeZone', $1, false)", {zone});
    return true;
  } catch (const mexp::PgError&) {
    return false;
  }
}

}  // namespace

TEST(OfflineChecks, PatternVerdictsMatchTheServer) {
  auto session = superuser_session();
  const std::vector<std::string> patterns = {
      // well formed
      "public",
      "audit_.*",
      "a|b",
      "(?:x|y)+",
      "[a-z_][a-z0-9_]*",
      "[[:alpha:]]+",
      "\\d{2,3}",
      "a{3}",
      "a{2,}",
      "a*?",
      "a+?",
      "a??",
      "a{1,2}?",
      "\\mword\\M",
      "(a)\\1",
      "[]a]",
      "[^]a]",
      "\\.",
      "x{",
      "(?i)abc",
      "***:abc",
      "***=((",
      "a(?=b)",
      "a(?!b)",
      "(?<=a)b",
      "\\x41",
      "\\u0041",
      "[a\\-z]",
      "\\y",
      "$",
      "^$",
      "\\(",
      "[.a.]",
      // broken
      "(",
      ")",
      "a(b",
      "[a-",
      "[",
      "*a",
      "+",
      "?",
      "a**",
      "a|*b",
      "(*a)",
      "a{3,2}",
      "a{256}",
      "a{1",
      "\\",
      "abc\\",
      "[[:nope:]]",
      "[z-a]",
      "\\q",
      "(?P<n>a)",
      "^*",
      "\\u12",
      "a{2}{3}",
  };
  for (const auto& pattern : patterns) {
    const bool ours = !mexp::pattern_problem(pattern).has_value();
    EXPECT_EQ(ours, server_accepts_pattern(*session, pattern))
        << "pattern '" << pattern << "': we say "
        << mexp::pattern_problem(pattern).value_or("fine");
  }
}

TEST(OfflineChecks, TimeZoneVerdictsMatchTheServer) {
  auto session = superuser_session();
  const std::vector<std::string> zones = {
      "UTC",          "Europe/Paris", "europe/paris", "America/Argentina/Buenos_Aires",
      "EST5EDT",      "<+03>-3",      "UTC+3",        "GMT-2",
      "-7",           "5.5",          "EST",          "Etc/GMT+5",
      "Mars/Olympus", "PST",          "Europe/",      "Europe/../UTC",
      "zone.tab",     "America",      "Nowhere",      "/etc/passwd",
  };
  for (const auto& zone : zones) {
    const bool ours = !mexp::time_zone_problem(zone).has_value();
    EXPECT_EQ(ours, server_accepts_time_zone(*session, zone))
        << "time zone '" << zone << "': we say " << mexp::time_zone_problem(zone).value_or("fine");
  }
}
