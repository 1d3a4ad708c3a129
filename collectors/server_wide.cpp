// The datname of a server-wide row, and postgres_exporter's `server` label.
#include "collectors/server_wide.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>

namespace mexp {

Labels for_database(const Labels& base, std::string_view datname) {
  Labels labels = base;
  bool replaced = false;
  for (auto& label : labels) {
    if (label.name == "datname") {
      label.value = label_value(datname);
      replaced = true;
    }
  }
  if (!replaced) labels.insert(labels.begin(), {"datname", label_value(datname)});
  return labels;
}

Labels server_labels(const Labels& base) {
  Labels labels = base;
  std::erase_if(labels, [](const auto& label) { return label.name == "datname"; });
  return labels;
}

std::string postgres_exporter_server(const std::string& conninfo) {
  std::map<std::string, std::string> fields;
  if (!conninfo.empty()) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (error != nullptr) PQfreemem(error);  // may quote the DSN, password included: never used
    if (options != nullptr) {
      for (auto* option = options; option->keyword != nullptr; ++option) {
        if (option->val != nullptr && option->val[0] != '\0') fields[option->keyword] = option->val;
      }
      PQconninfoFree(options);
    }
  }
  const auto pick = [&](const char* key, const char* env, const char* fallback) -> std::string {
    if (auto found = fields.find(key); found != fields.end()) return found->second;
    const char* value = std::getenv(env);
    return (value != nullptr && value[0] != '\0') ? value : fallback;
  };
  return pick("host", "PGHOST", "localhost") + ":" + pick("port", "PGPORT", "5432");
}

}  // namespace mexp
