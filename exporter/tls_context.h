// The OpenSSL server context for a tls_server_config: certificates, client-certificate modes,
// protocol versions, and exporter-toolkit's cipher_suites and curve_preferences (Go's names,
// mapped to OpenSSL's).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "exporter/web_config.h"

namespace mexp {

// Throws std::runtime_error naming the file or setting that cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsServerConfig& config);

// "" when a cipher suite (Go's name, as exporter-toolkit takes it) can be used with this OpenSSL;
// otherwise why not, naming it.
std::string cipher_suite_problem(const std::string& go_name);
// The same for a curve_preferences entry (CurveP256, CurveP384, CurveP521, X25519).
std::string curve_problem(const std::string& go_name);

}  // namespace mexp
