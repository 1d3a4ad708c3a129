// libFuzzer target: any bytes as a configuration file. It must return a config or errors, never
// crash, hang or leak; every error must name the file.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exporter/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mexp::ConfigErrors errors;
  auto config = mexp::load_config_text(text, {"fuzz.toml", std::chrono::seconds(15)}, errors);
  if (config.has_value() == !errors.empty()) std::abort();  // exactly one of the two
  for (const auto& error : errors.list()) {
    if (error.file != "fuzz.toml" || error.to_string().empty()) std::abort();
  }
  return 0;
}
