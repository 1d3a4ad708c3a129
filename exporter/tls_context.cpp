// Building the TLS server context, and the Go-to-OpenSSL names of cipher suites and curves.
#include "exporter/tls_context.h"

#include <openssl/ssl.h>

#include <boost/beast/core/error.hpp>
#include <map>
#include <stdexcept>

namespace mexp {
namespace ssl = boost::asio::ssl;
namespace {

// Go's crypto/tls names (tls.CipherSuites() and tls.InsecureCipherSuites()) of the suites OpenSSL
// also implements. TLS 1.3 suites are set apart: OpenSSL configures them with their own call.
const std::map<std::string, std::string>& tls12_suites() {
  static const std::map<std::string, std::string> names = {
      {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  };
  return names;
}

bool is_tls13_suite(const std::string& name) {
  return name == "TLS_AES_128_GCM_SHA256" || name == "TLS_AES_256_GCM_SHA384" ||
         name == "TLS_CHACHA20_POLY1305_SHA256";
}

const std::map<std::string, std::string>& curves() {
  static const std::map<std::string, std::string> names = {{"CurveP256", "P-256"},
                                                           {"CurveP384", "P-384"},
                                                           {"CurveP521", "P-521"},
                                                           {"X25519", "X25519"},
                                                           {"X25519MLKEM768", "X25519MLKEM768"}};
  return names;
}

// Whether this OpenSSL accepts a setting, tried on a scratch context.
template <class Apply>
bool openssl_accepts(Apply apply) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> scratch(SSL_CTX_new(TLS_server_method()),
                                                            SSL_CTX_free);
  return scratch && apply(scratch.get()) == 1;
}

int tls_version(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;
}

void set_ciphers_and_curves(SSL_CTX* context, const TlsServerConfig& config) {
  std::string tls12;
  std::string tls13;
  for (const auto& name : config.cipher_suites) {
    auto& list = is_tls13_suite(name) ? tls13 : tls12;
    if (!list.empty()) list += ':';
    list += is_tls13_suite(name) ? name : tls12_suites().at(name);
  }
  // Like Go: a list of TLS 1.2 suites leaves TLS 1.3's defaults alone (and the reverse).
  if (!tls12.empty() && SSL_CTX_set_cipher_list(context, tls12.c_str()) != 1)
    throw std::runtime_error("TLS cipher_suites: none of them is available");
  if (!tls13.empty() && SSL_CTX_set_ciphersuites(context, tls13.c_str()) != 1)
    throw std::runtime_error("TLS cipher_suites: none of the TLS 1.3 ones is available");
  std::string groups;
  for (const auto& name : config.curve_preferences) {
    if (!groups.empty()) groups += ':';
    groups += curves().at(name);
  }
  if (!groups.empty() && SSL_CTX_set1_groups_list(context, groups.c_str()) != 1)
    throw std::runtime_error("TLS curve_preferences: not available");
}

}  // namespace

std::string cipher_suite_problem(const std::string& go_name) {
  if (is_tls13_suite(go_name)) {
    return openssl_accepts([&](SSL_CTX* c) { return SSL_CTX_set_ciphersuites(c, go_name.c_str()); })
               ? ""
               : "cipher suite '" + go_name + "' is not available in this OpenSSL";
  }
  const auto found = tls12_suites().find(go_name);
  if (found == tls12_suites().end()) return "unknown cipher suite '" + go_name + "'";
  return openssl_accepts(
             [&](SSL_CTX* c) { return SSL_CTX_set_cipher_list(c, found->second.c_str()); })
             ? ""
             : "cipher suite '" + go_name + "' is not available in this OpenSSL";
}

std::string curve_problem(const std::string& go_name) {
  const auto found = curves().find(go_name);
  if (found == curves().end()) return "unknown curve '" + go_name + "'";
  return openssl_accepts(
             [&](SSL_CTX* c) { return SSL_CTX_set1_groups_list(c, found->second.c_str()); })
             ? ""
             : "curve '" + go_name + "' is not available in this OpenSSL";
}

std::shared_ptr<ssl::context> make_tls_context(const TlsServerConfig& config) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), tls_version(config.min_version));
  if (!config.max_version.empty())
    SSL_CTX_set_max_proto_version(context->native_handle(), tls_version(config.max_version));
  set_ciphers_and_curves(context->native_handle(), config);
  const auto load = [&](const char* what, const std::string& file, auto&& action) {
    boost::beast::error_code error;
    action(error);
    if (error)
      throw std::runtime_error(std::string("TLS ") + what + " '" + file + "': " + error.message());
  };
  load("certificate", config.cert_file, [&](boost::beast::error_code& e) {
    context->use_certificate_chain_file(config.cert_file, e);
  });
  load("key", config.key_file, [&](boost::beast::error_code& e) {
    context->use_private_key_file(config.key_file, ssl::context::pem, e);
  });
  // A certificate rotated without its key (or half-written) must be refused, not served broken.
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    throw std::runtime_error("TLS key '" + config.key_file + "' does not match certificate '" +
                             config.cert_file + "'");
  if (!config.client_ca_file.empty()) {
    load("client CA", config.client_ca_file,
         [&](boost::beast::error_code& e) { context->load_verify_file(config.client_ca_file, e); });
  }
  const auto& type = config.client_auth_type;
  if (type == "RequestClientCert" || type == "RequireAnyClientCert") {
    // Ask for a certificate but do not verify it (Go's semantics for these two modes).
    context->set_verify_mode(
        ssl::verify_peer | (type == "RequireAnyClientCert" ? ssl::verify_fail_if_no_peer_cert : 0));
    context->set_verify_callback([](bool, ssl::verify_context&) { return true; });
  } else if (type == "VerifyClientCertIfGiven") {
    context->set_verify_mode(ssl::verify_peer);
  } else if (type == "RequireAndVerifyClientCert") {
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    context->set_verify_mode(ssl::verify_none);
  }
  return context;
}

}  // namespace mexp
