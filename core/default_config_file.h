// The configuration used when no --config.file is given: the daemon and the deploy gate agree.
#pragma once

#include <string>

namespace mexp {

inline constexpr const char* kDefaultConfigEnv = "MIGRATION_EXPORTER_DEFAULT_CONFIG";

// The file $MIGRATION_EXPORTER_DEFAULT_CONFIG names when something exists there, else "". The
// container image sets it to /etc/migration_exporter/config.toml: a mounted ConfigMap is used, a
// missing one is not an error (the exporter then reads DATA_SOURCE_NAME / PG*), and the image
// needs no shell entrypoint to decide.
std::string default_config_file();

}  // namespace mexp
