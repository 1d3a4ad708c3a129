// libFuzzer target: DSNs with a known password in them, in every place a DSN enters (a TOML
// target's dsn, DATA_SOURCE_NAME, the conninfo checks). Whatever the rest of the DSN is, no error
// message and no description may contain the password: the property issue 13 item 3 broke.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/conninfo_check.h"
#include "core/pg_session.h"
#include "exporter/config.h"
#include "exporter/environment_expansion.h"
#include "exporter/environment_targets.h"

namespace {

// The password always starts with "~Pw"; '~' is removed from everything else, so "~Pw" in an
// output can only come from the password.
constexpr std::string_view kMarker = "~Pw";

std::string printable(std::string_view bytes, bool keep_tilde) {
  std::string out;
  for (char c : bytes) {
    if (c < 0x20 || c > 0x7e || (c == '~' && !keep_tilde)) continue;
    out += c;
  }
  return out;
}

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void expect_clean(const std::string& output) {
  if (output.find(kMarker) != std::string::npos) std::abort();  // the password leaked
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\n');
  // The password: printable, no space or quote (so it stays one value), at least the marker.
  std::string password(kMarker);
  for (char c : printable(input.substr(0, split), false)) {
    if (c != ' ' && c != '\'' && c != '"' && c != '\\') password += c;
  }
  const std::string rest =
      split == std::string_view::npos ? "" : printable(input.substr(split + 1), false);
  const std::string dsns[] = {
      "postgresql://u:" + password + "@" + rest,
      "host=h password=" + password + " " + rest,
      "host=h password=Pa${" + password + rest,
      "postgres://u:" + password + rest,
      rest + " password=" + password,
  };
  for (const auto& dsn : dsns) {
    expect_clean(mexp::conninfo_problem(dsn).value_or(""));
    expect_clean(mexp::describe_conninfo(dsn));
    std::string problem;
    if (!mexp::expand_environment(dsn, problem)) expect_clean(problem);

    mexp::ConfigErrors errors;
    const std::string toml = "[[targets]]\nname = \"a\"\ndsn = " + toml_string(dsn) + "\n";
    mexp::load_config_text(toml, {"fuzz.toml", std::chrono::seconds(15)}, errors);
    expect_clean(errors.joined());

    ::setenv("DATA_SOURCE_NAME", dsn.c_str(), 1);
    mexp::ConfigErrors environment_errors;
    for (const auto& target : mexp::environment_targets(environment_errors)) {
      if (target.conninfo != dsn) expect_clean(target.name);  // a list entry's derived name
    }
    expect_clean(environment_errors.joined());
    ::unsetenv("DATA_SOURCE_NAME");
  }
  return 0;
}
