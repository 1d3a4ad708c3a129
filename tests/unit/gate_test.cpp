// The deploy gate's pieces that need no database: limits, settings from flags and [check], the exit
// code rule, collector tuning, and the JSON and JUnit writers' escaping.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "gate/check.h"
#include "gate/report.h"
#include "gate/run.h"
#include "gate/settings.h"

namespace mexp::gate {
namespace {

TEST(GateLimit, SizesUsePostgresUnitsAndRefuseABareNumber) {
  EXPECT_EQ(parse_size("64MB"), 64.0 * 1024 * 1024);
  EXPECT_EQ(parse_size("512kB"), 512.0 * 1024);
  EXPECT_EQ(parse_size("0B"), 0.0);
  EXPECT_FALSE(parse_size("300"));   // seconds or bytes? the unit must be said
  EXPECT_FALSE(parse_size("64mb"));  // PostgreSQL's units are case-sensitive
  EXPECT_FALSE(parse_size("-1MB"));
  EXPECT_EQ(format_bytes(1.6 * 1024 * 1024), "1.6MB");
  EXPECT_EQ(format_bytes(812 * 1024), "812kB");
  EXPECT_EQ(format_seconds(252), "4m12s");
  EXPECT_EQ(format_seconds(7380), "2h03m");
  std::string why;
  EXPECT_FALSE(parse_limit(LimitKind::count, "-1", why));
  EXPECT_EQ(why, "must be a whole number (0 or more)");
  EXPECT_EQ(parse_limit(LimitKind::duration, "90s", why)->value, 90);
}

TEST(GateSettings, FlagsWinOverTheCheckSectionAndErrorsNameTheirPlace) {
  const std::string file = ::testing::TempDir() + "gate_settings_test.toml";
  std::ofstream(file) << "[check]\nwait = \"1m\"\n\n[check.replication_lag]\nlimit = \"2GB\"\n"
                         "\n[check.long_transaction]\nlimit = \"90s\"\nenabled = false\n";
  ConfigErrors errors;
  const auto settings =
      load_gate_settings({"--phase=post", "--config.file", file, "--max-lag=64MB"}, errors);
  ASSERT_TRUE(settings) << errors.joined();
  EXPECT_EQ(settings->phase, Phase::post);
  EXPECT_EQ(settings->wait, std::chrono::minutes(1));
  EXPECT_EQ(settings->checks.at("replication_lag").limit.text, "64MB");  // the flag wins
  EXPECT_EQ(settings->checks.at("long_transaction").limit.value, 90);
  EXPECT_FALSE(settings->checks.at("long_transaction").enabled);
  EXPECT_FALSE(settings->checks.at("expected_version").limit.set);  // no default: skipped

  std::ofstream(file) << "[check.lock_queue]\nlimit = \"many\"\ncolour = true\n";
  ConfigErrors bad;
  EXPECT_FALSE(load_gate_settings({"--phase=pre", "--config.file=" + file, "--wait=soon"}, bad));
  const auto text = bad.joined();
  EXPECT_NE(text.find(file + ":2:9: key 'check.lock_queue.limit': must be a whole number"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(file + ":3:10: key 'check.lock_queue.colour': unknown key"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<flags>: key '--wait'"), std::string::npos) << text;
  std::remove(file.c_str());

  ConfigErrors missing;
  EXPECT_FALSE(load_gate_settings({}, missing));
  EXPECT_NE(missing.joined().find("--phase=pre or --phase=post"), std::string::npos);
}

TEST(GateRun, AFailureOutranksACheckThatCouldNotLook) {
  const auto result = [](Outcome outcome) {
    CheckResult one;
    one.outcome = outcome;
    return one;
  };
  EXPECT_EQ(exit_code_of({result(Outcome::pass), result(Outcome::skip)}), 0);
  EXPECT_EQ(exit_code_of({result(Outcome::pass), result(Outcome::error)}), 2);
  EXPECT_EQ(exit_code_of({result(Outcome::error), result(Outcome::fail)}), 1);
}

TEST(GateRun, ChecksSwitchOnTheirCollectorsAndTheLowestThresholdWins) {
  ConfigErrors errors;
  auto settings = load_gate_settings(
      {"--phase=pre", "--check.idle_in_transaction.limit=2s", "--check.long_transaction.limit=1m"},
      errors);
  ASSERT_TRUE(settings) << errors.joined();
  const auto overrides = collector_overrides(*settings);
  EXPECT_EQ(overrides.at_path("activity.long_transaction_threshold").value<std::string>(), "2s");
  EXPECT_EQ(overrides.at_path("activity.session_limit").value<std::int64_t>(), 20);
  for (const char* collector :
       {"activity", "locks", "migration_progress", "history", "replication"})
    EXPECT_EQ(overrides.at_path(std::string(collector) + ".enabled").value<bool>(), true)
        << collector;
}

Report report_with(std::string observed, std::vector<std::string> details, Outcome outcome) {
  Report report;
  report.phase = Phase::post;
  report.exit_code = outcome == Outcome::fail ? 1 : 0;
  report.started_at = "2026-12-01T22:00:00Z";
  CheckResult result;
  result.check = "long_transaction";
  result.target = "app";
  result.outcome = outcome;
  result.observed = std::move(observed);
  result.details = std::move(details);
  result.limit = "5m";
  report.results.push_back(result);
  return report;
}

TEST(GateReport, JsonEscapesWhatSessionsAndErrorsMayCarry) {
  const auto json =
      render_json(report_with("a \"quoted\"\tname\x01", {"back\\slash\n"}, Outcome::fail));
  EXPECT_NE(json.find(R"("observed": "a \"quoted\"\tname\u0001")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("details": ["back\\slash\n"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("result": "fail")"), std::string::npos);
  EXPECT_NE(json.find(R"("summary": {"passed": 0, "failed": 1, "errors": 0, "skipped": 0})"),
            std::string::npos);
}

TEST(GateReport, JunitEscapesMarkupAndDropsWhatXmlCannotHold) {
  const auto xml = render_junit(report_with("<app> & 'x'\x02", {"pid 1"}, Outcome::fail));
  EXPECT_NE(
      xml.find(
          R"x(<failure type="check_failed" message="&lt;app&gt; &amp; &apos;x&apos; (limit 5m)">pid 1)x"),
      std::string::npos)
      << xml;
  EXPECT_EQ(xml.find('\x02'), std::string::npos);
  EXPECT_NE(xml.find(R"(classname="migration_exporter.check.post.app" name="long_transaction")"),
            std::string::npos);
}

TEST(GateReport, TextColoursOnlyWhenAsked) {
  const auto plain = render_text(report_with("none", {}, Outcome::pass), false);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_NE(plain.find("long_transaction  pass   none      5m\n"), std::string::npos) << plain;
  EXPECT_NE(render_text(report_with("none", {}, Outcome::pass), true).find("\033[32m"),
            std::string::npos);
}

}  // namespace
}  // namespace mexp::gate
