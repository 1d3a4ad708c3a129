// Test helper: run a collector (or take any families) and look series up by name and labels.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"

namespace mexp::test {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the text exposition format (as our serializer writes it) into samples.
std::vector<Sample> parse_exposition(const std::string& text);

class Samples {
 public:
  explicit Samples(std::vector<Sample> samples) : samples_(std::move(samples)) {}
  static Samples from(const std::vector<prometheus::MetricFamily>& families);
  // The single sample with this name whose labels include all of `match`; nullopt if none, and a
  // test failure if several match.
  std::optional<double> get(const std::string& name,
                            const std::map<std::string, std::string>& match = {}) const;
  std::vector<Sample> all(const std::string& name,
                          const std::map<std::string, std::string>& match = {}) const;
  std::size_t size() const { return samples_.size(); }

 private:
  std::vector<Sample> samples_;
};

// Creates the registered collector `name` with the given TOML options text (e.g. "info_limit = 3")
// and fails the test on option errors.
std::unique_ptr<Collector> make_collector(const std::string& name,
                                          const std::string& options_toml = "");

// Runs one collect() with base labels {datname=session.datname()}.
Samples collect(Collector& collector, PgSession& session);

}  // namespace mexp::test
