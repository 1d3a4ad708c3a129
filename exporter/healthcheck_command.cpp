// The built-in health probe (see healthcheck_command.h): which address and web config to use, and
// one bounded GET over plain HTTP or TLS.
#include "exporter/healthcheck_command.h"

#include <openssl/ssl.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "core/duration.h"
#include "exporter/cli.h"
#include "exporter/http_server.h"

namespace mexp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr int kUnhealthy = 1;

struct ProbeSettings {
  std::string listen_address = kDefaultListenAddress;
  std::string web_config_file;
  std::string path = "/healthz";
  std::chrono::milliseconds timeout{4000};
  int from_pid = 1;
};

// The running exporter's --web.listen-address (its first) and --web.config.file, so the probe
// follows whatever flags the container was started with. Nothing when that process is not ours.
void adopt_flags_of(int pid, ProbeSettings& settings) {
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  std::ifstream cmdline(proc / "cmdline", std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(cmdline, arg, '\0');) argv.push_back(arg);
  if (argv.empty() || std::filesystem::path(argv.front()).filename() != "migration_exporter")
    return;
  std::string error;
  const auto flags = parse_flags(std::vector<std::string>(argv.begin() + 1, argv.end()), error);
  if (!flags) return;
  settings.listen_address = flags->listen_addresses.front();
  // Its paths are in its own filesystem (a container, a chroot): reach them through /proc.
  const std::filesystem::path web_config = flags->web_config_file;
  if (web_config.empty()) {
    settings.web_config_file.clear();
  } else if (web_config.is_absolute()) {
    settings.web_config_file = (proc / "root" / web_config.relative_path()).string();
  } else {
    settings.web_config_file = (proc / "cwd" / web_config).string();
  }
}

// Whether the web config serves TLS. Only that: the probe presents no certificate and checks none,
// so the files the config names need not be reachable from here (another root, another user).
std::optional<bool> serves_tls(const std::string& path, std::string& error) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    const YAML::Node tls = root.IsMap() ? root["tls_server_config"] : YAML::Node();
    return tls && tls.IsMap() && tls["cert_file"] && !tls["cert_file"].IsNull();
  } catch (const YAML::Exception& e) {
    error = e.what();
    return std::nullopt;
  }
}

std::optional<ProbeSettings> parse_settings(const std::vector<std::string>& args,
                                            std::string& error) {
  ProbeSettings settings;
  std::vector<std::pair<std::string, std::string>> given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    const auto equals = arg.find('=');
    std::string name = arg.substr(0, equals), value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      error = "flag " + name + " needs a value";
      return std::nullopt;
    }
    given.emplace_back(name, value);
  }
  for (const auto& [name, value] : given) {
    if (name == "--from-pid") {
      try {
        settings.from_pid = std::stoi(value);
      } catch (const std::exception&) {
        error = "--from-pid: not a process id: " + value;
        return std::nullopt;
      }
    }
  }
  if (settings.from_pid > 0) adopt_flags_of(settings.from_pid, settings);
  for (const auto& [name, value] : given) {
    if (name == "--web.listen-address") {
      settings.listen_address = value;
    } else if (name == "--web.config.file") {
      settings.web_config_file = value;
    } else if (name == "--path") {
      if (value.empty() || value.front() != '/') {
        error = "--path must start with /";
        return std::nullopt;
      }
      settings.path = value;
    } else if (name == "--timeout") {
      const auto timeout = parse_duration(value);
      if (!timeout || timeout->count() <= 0) {
        error = "--timeout: not a duration: " + value;
        return std::nullopt;
      }
      settings.timeout = *timeout;
    } else if (name != "--from-pid") {
      error = "unknown flag " + name +
              " (healthcheck takes --web.listen-address, --web.config.file, --path, --timeout, "
              "--from-pid)";
      return std::nullopt;
    }
  }
  return settings;
}

// A wildcard listen address is reached on loopback.
std::string probe_host(const std::string& listen_host) {
  if (listen_host.empty() || listen_host == "0.0.0.0") return "127.0.0.1";
  if (listen_host == "::") return "::1";
  return listen_host;
}

template <class Stream>
asio::awaitable<unsigned> get(Stream& stream, const std::string& path) {
  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, "localhost");
  request.set(http::field::user_agent, "migration_exporter-healthcheck");
  request.set(http::field::connection, "close");
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  co_await http::async_read(stream, buffer, response, asio::use_awaitable);
  co_return response.result_int();
}

asio::awaitable<unsigned> probe(const ProbeSettings& settings, const ListenAddress& address,
                                bool tls) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      probe_host(address.host), std::to_string(address.port), asio::use_awaitable);
  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_after(settings.timeout);  // one deadline for connect, handshake and reply
  co_await tcp_stream.async_connect(endpoints, asio::use_awaitable);
  if (!tls) co_return co_await get(tcp_stream, settings.path);
  // Our own certificate on loopback: the probe asks whether the listener answers, not who it is,
  // so it does not verify (a certificate for the Service's name would fail on 127.0.0.1).
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(tcp_stream), context);
  // SSL_set_tlsext_host_name, without the macro's C cast.
  static char server_name[] = "localhost";
  SSL_ctrl(tls_stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           server_name);
  co_await tls_stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await get(tls_stream, settings.path);
}

}  // namespace

int run_healthcheck_command(const std::vector<std::string>& args) {
  std::string error;
  const auto settings = parse_settings(args, error);
  if (!settings) {
    std::cerr << "migration_exporter healthcheck: " << error << "\n";
    return kUnhealthy;
  }
  bool tls = false;
  if (!settings->web_config_file.empty()) {
    const auto on = serves_tls(settings->web_config_file, error);
    if (!on) {
      std::cerr << "migration_exporter healthcheck: web configuration " << settings->web_config_file
                << " unreadable: " << error << "\n";
      return kUnhealthy;
    }
    tls = *on;
  }
  const std::string url =
      std::string(tls ? "https://" : "http://") + settings->listen_address + settings->path;
  try {
    const auto address = parse_listen_address(settings->listen_address);
    asio::io_context io;
    std::optional<unsigned> status;
    std::exception_ptr failure;
    asio::co_spawn(io, probe(*settings, address, tls),
                   [&](std::exception_ptr thrown, unsigned result) {
                     failure = thrown;
                     if (!thrown) status = result;
                   });
    io.run();
    if (failure) std::rethrow_exception(failure);
    if (status == 200u) {
      std::cout << "healthy: GET " << url << " answered 200\n";
      return 0;
    }
    std::cerr << "unhealthy: GET " << url << " answered " << status.value_or(0) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "unhealthy: GET " << url << ": " << e.what() << "\n";
  }
  return kUnhealthy;
}

}  // namespace mexp
