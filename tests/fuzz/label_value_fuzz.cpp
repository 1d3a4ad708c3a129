// libFuzzer target: any bytes as a label value (history descriptions, script names and user names
// come from data). The exposition must keep one line per sample, and unescaping the value must
// give back exactly the UTF-8-sanitised input, cut to the label length limit.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/metric_builder.h"
#include "exporter/snapshot.h"

namespace {
std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      out += text[i] == 'n' ? '\n' : text[i];
    } else {
      out += text[i];
    }
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const std::string clean = mexp::valid_utf8(raw);
  if (mexp::valid_utf8(clean) != clean) std::abort();  // sanitising is idempotent
  const std::string bounded = mexp::label_value(raw);
  if (bounded.size() > mexp::kMaxLabelValueBytes || mexp::valid_utf8(bounded) != bounded)
    std::abort();
  if (bounded != clean &&
      (bounded.size() < mexp::kLabelValueCutMarker.size() ||
       !bounded.ends_with(mexp::kLabelValueCutMarker) ||
       !clean.starts_with(bounded.substr(0, bounded.size() - mexp::kLabelValueCutMarker.size())))) {
    std::abort();  // a cut value is a prefix of the whole one, marked
  }
  auto family = mexp::gauge_family("fuzz_info", "Fuzzed label.");
  mexp::add_gauge(family, mexp::with_labels({}, {{"value", raw}}), 1);
  const std::string text = mexp::serialize_text({family});
  // HELP, TYPE and one sample: exactly three lines, whatever the value holds.
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  if (lines != 3) std::abort();
  const std::string prefix = "fuzz_info{value=\"";
  const auto start = text.find(prefix);
  const auto end = text.rfind("\"} ");
  if (start == std::string::npos || end == std::string::npos || end < start + prefix.size())
    std::abort();
  if (unescape(std::string_view(text).substr(start + prefix.size(), end - start - prefix.size())) !=
      bounded) {
    std::abort();
  }
  return 0;
}
