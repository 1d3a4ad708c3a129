// `migration_exporter healthcheck`: the container's HEALTHCHECK, built in so that the image needs
// no shell and no HTTP client, and so that it speaks TLS when the web config turns TLS on.
#pragma once

#include <string>
#include <vector>

namespace mexp {

// GETs /healthz (or --path) from the exporter's own listener; returns 0 on a 200, 1 otherwise
// (Docker's healthy/unhealthy; 2 is reserved there, so usage errors are 1 too). Without flags it
// reads the running exporter's flags from /proc/<--from-pid, default 1>/cmdline.
int run_healthcheck_command(const std::vector<std::string>& args);

}  // namespace mexp
