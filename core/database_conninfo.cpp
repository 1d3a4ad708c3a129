// conninfo_for_database: parse with libpq (so URIs and key=value strings behave exactly as libpq
// reads them), replace dbname, and write the settings back as a quoted key=value string.
#include "core/database_conninfo.h"

#include <libpq-fe.h>

#include <stdexcept>

namespace mexp {
namespace {

bool looks_like_conninfo(const std::string& text) {
  return text.find('=') != std::string::npos || text.rfind("postgresql://", 0) == 0 ||
         text.rfind("postgres://", 0) == 0;
}

// key='value' with backslashes and single quotes escaped, as libpq's key=value syntax requires.
std::string quoted_setting(const char* keyword, const std::string& value) {
  std::string text = std::string(keyword) + "='";
  for (char c : value) {
    if (c == '\\' || c == '\'') text += '\\';
    text += c;
  }
  return text + "'";
}

}  // namespace

std::string conninfo_for_database(const std::string& conninfo, const std::string& dbname) {
  std::string result;
  // A bare word is libpq's shorthand for a database name: nothing else to keep.
  if (looks_like_conninfo(conninfo)) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    // The message may quote the conninfo, password included: never surface it.
    if (error != nullptr) PQfreemem(error);
    if (options == nullptr) throw std::invalid_argument("the target's conninfo cannot be parsed");
    for (auto* option = options; option->keyword != nullptr; ++option) {
      if (option->val == nullptr || option->val[0] == '\0') continue;
      if (std::string(option->keyword) == "dbname") continue;
      result += quoted_setting(option->keyword, option->val) + " ";
    }
    PQconninfoFree(options);
  }
  return result + quoted_setting("dbname", dbname);
}

}  // namespace mexp
