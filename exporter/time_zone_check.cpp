// time_zone_problem: the three forms PostgreSQL's check_timezone() accepts, checked in its order.
#include "exporter/time_zone_check.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace mexp {
namespace {

bool is_number_of_hours(const std::string& name) {
  char* end = nullptr;
  std::strtod(name.c_str(), &end);
  return end != name.c_str() && *end == '\0';
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The file for `name` under `zoneinfo`, each path component matched case-insensitively; it must
// be a compiled zone (TZif), not one of the tables (zone.tab, tzdata.zi) that share the directory.
bool is_zone_file(const std::string& name, const std::filesystem::path& zoneinfo) {
  std::filesystem::path current = zoneinfo;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    std::error_code error;
    bool found = false;
    for (const auto& entry : std::filesystem::directory_iterator(current, error)) {
      if (iequals(entry.path().filename().string(), part)) {
        current = entry.path();
        found = true;
        break;
      }
    }
    if (!found) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::ifstream in(current, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, sizeof magic) && std::string(magic, 4) == "TZif";
}

// STD offset [DST [offset] [,rule]]: names of three or more letters or <quoted>, offsets
// [+-]hh[:mm[:ss]]. The standard offset is required (PostgreSQL rejects a bare "PST").
bool is_posix_tz(const std::string& text) {
  std::size_t i = 0;
  const auto zone_name = [&] {
    if (i < text.size() && text[i] == '<') {
      const auto close = text.find('>', i);
      if (close == std::string::npos || close - i - 1 < 3) return false;
      i = close + 1;
      return true;
    }
    const auto begin = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    return i - begin >= 3;
  };
  const auto offset = [&] {
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const auto digits = [&] {
      const auto begin = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      return i > begin && i - begin <= 3;
    };
    if (!digits()) return false;
    for (int part = 0; part < 2 && i < text.size() && text[i] == ':'; ++part) {
      ++i;
      if (!digits()) return false;
    }
    return true;
  };
  if (!zone_name() || !offset()) return false;
  if (i == text.size()) return true;
  if (!zone_name()) return false;
  if (i < text.size() && text[i] != ',' && !offset()) return false;
  return i == text.size() || text[i] == ',';
}

}  // namespace

std::optional<std::string> time_zone_problem(const std::string& name, const std::string& zoneinfo) {
  if (name.empty()) return "must not be empty (leave the key out for the server's default)";
  if (is_number_of_hours(name)) return std::nullopt;
  std::error_code error;
  if (!std::filesystem::is_directory(zoneinfo, error)) return std::nullopt;  // cannot tell
  if (is_zone_file(name, zoneinfo) || is_posix_tz(name)) return std::nullopt;
  return "unknown time zone: not in the tz database (" + zoneinfo +
         ") and not a POSIX TZ string such as \"EST5EDT\"";
}

}  // namespace mexp
