// Parsing of exposition text and collector-running helpers for tests.
#include "tests/support/metrics_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "exporter/snapshot.h"

namespace mexp::test {

std::vector<Sample> parse_exposition(const std::string& text) {
  std::vector<Sample> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample sample;
    std::size_t i = line.find_first_of("{ ");
    sample.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        const std::string label = line.substr(i, eq - i);
        std::string value;
        i = eq + 2;  // skip ="
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
          ++i;
        }
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',') ++i;
        sample.labels[label] = value;
      }
      ++i;  // closing brace
    }
    const std::string value_text = line.substr(line.find_first_not_of(' ', i));
    sample.value = value_text == "+Inf"   ? HUGE_VAL
                   : value_text == "-Inf" ? -HUGE_VAL
                                          : std::strtod(value_text.c_str(), nullptr);
    samples.push_back(std::move(sample));
  }
  return samples;
}

Samples Samples::from(const std::vector<prometheus::MetricFamily>& families) {
  return Samples(parse_exposition(serialize_text(merge_families(families))));
}

std::vector<Sample> Samples::all(const std::string& name,
                                 const std::map<std::string, std::string>& match) const {
  std::vector<Sample> found;
  for (const auto& sample : samples_) {
    if (sample.name != name) continue;
    bool matches = true;
    for (const auto& [label, value] : match) {
      auto it = sample.labels.find(label);
      if (it == sample.labels.end() || it->second != value) matches = false;
    }
    if (matches) found.push_back(sample);
  }
  return found;
}

std::optional<double> Samples::get(const std::string& name,
                                   const std::map<std::string, std::string>& match) const {
  auto found = all(name, match);
  if (found.empty()) return std::nullopt;
  EXPECT_EQ(found.size(), 1u) << "several series of " << name << " match";
  return found.front().value;
}

std::unique_ptr<Collector> make_collector(const std::string& name,
                                          const std::string& options_toml) {
  const auto* info = find_collector(name);
  if (info == nullptr) throw std::runtime_error("no collector " + name);
  toml::table table = toml::parse(options_toml);
  ConfigErrors errors;
  CollectorOptions options(&table, nullptr, "collectors." + name, "", "test.toml", errors);
  auto collector = info->factory(options);
  options.report_unknown_keys();
  EXPECT_TRUE(errors.empty()) << errors.joined();
  return collector;
}

Samples collect(Collector& collector, PgSession& session) {
  const Labels labels = {{"datname", session.datname()}};
  CollectContext context{session, labels, std::chrono::system_clock::now()};
  return Samples::from(collector.collect(context));
}

}  // namespace mexp::test
