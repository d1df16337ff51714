#include "outpost/net/http_fetch.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

namespace outpost::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

Result<Url> parse_url(std::string_view url) {
  Url u;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  } else {
    return make_error(fmt::format("'{}' is not an http:// or https:// URL", url));
  }
  const auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) return make_error(fmt::format("'{}' has no host", url));
  return u;
}

template <typename Stream>
Result<HttpClientResponse> exchange(Stream& stream, http::request<http::string_body>& request) {
  beast::error_code ec;
  http::write(stream, request, ec);
  if (ec) return make_error("write: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream, buffer, parser, ec);
  if (ec) return make_error("read: " + ec.message());
  auto response = parser.release();
  HttpClientResponse out;
  out.status = static_cast<long>(response.result_int());
  out.body = std::move(response.body());
  for (const auto& field : response) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

}  // namespace

Result<HttpClientResponse> fetch(std::string_view method, const std::string& url, const Headers& headers,
                                 std::string_view body, const HttpClientOptions& options) {
  auto u = parse_url(url);
  if (!u) return u.failure();
  asio::io_context io;
  http::request<http::string_body> request{http::string_to_verb(beast::string_view(method.data(), method.size())), u->target, 11};
  request.set(http::field::host, u->host);
  request.set(http::field::user_agent, "outpost");
  for (const auto& [k, v] : headers) request.set(k, v);
  request.body() = std::string(body);
  request.prepare_payload();
  const auto fail = [&](const std::string& what) { return make_error(fmt::format("{} {}: {}", method, url, what)); };
  try {
    if (!options.unix_socket.empty()) {
      // HTTP on a unix socket (Docker's Engine API, outpostd's APIs): the URL's host is
      // only the Host header.
      if (u->tls) return fail("https over a unix socket is not supported");
      beast::basic_stream<asio::local::stream_protocol> stream(io);
      stream.expires_after(options.timeout);
      beast::error_code ec;
      stream.connect(asio::local::stream_protocol::endpoint(options.unix_socket), ec);
      if (ec) return fail("connect " + options.unix_socket + ": " + ec.message());
      auto r = exchange(stream, request);
      return r ? std::move(r) : fail(r.error());
    }
    tcp::resolver resolver(io);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(u->host, u->port, ec);
    if (ec) return fail("resolve: " + ec.message());
    if (!u->tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(options.timeout);
      stream.connect(endpoints, ec);
      if (ec) return fail("connect: " + ec.message());
      auto r = exchange(stream, request);
      return r ? std::move(r) : fail(r.error());
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (options.ca_file.empty()) ctx.set_default_verify_paths(ec);
    else ctx.load_verify_file(options.ca_file, ec);
    if (ec) return fail("CA '" + options.ca_file + "': " + ec.message());
    if (!options.client_cert_file.empty()) {
      ctx.use_certificate_chain_file(options.client_cert_file, ec);
      if (ec) return fail("client certificate '" + options.client_cert_file + "': " + ec.message());
      ctx.use_private_key_file(options.client_key_file, asio::ssl::context::pem, ec);
      if (ec) return fail("client key '" + options.client_key_file + "': " + ec.message());
    }
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    // Verify the certificate against the host we dialled: a DNS name or an IP address.
    boost::system::error_code not_an_ip;
    asio::ip::make_address(u->host, not_an_ip);
    if (not_an_ip) {
      SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str());
      SSL_set1_host(stream.native_handle(), u->host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()), u->host.c_str());
    }
    beast::get_lowest_layer(stream).expires_after(options.timeout);
    beast::get_lowest_layer(stream).connect(endpoints, ec);
    if (ec) return fail("connect: " + ec.message());
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec) return fail("TLS: " + ec.message());
    auto r = exchange(stream, request);
    return r ? std::move(r) : fail(r.error());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace outpost::net
