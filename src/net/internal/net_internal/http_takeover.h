// Internal to outpost (target net_internal, see src/net/README.md): lets another TLS listener hand an HTTP request it has already read to the
// HTTP machinery. The MQTT WebSocket listener on port 443 does this, because IoT Edge
// serves MQTT-over-WebSocket and the module HTTP API (invokeMethod) on the same port.
#pragma once
#include <utility>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "outpost/net/http_server.h"

namespace outpost::net {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

void serve_https_after_first_request(TlsStream stream, boost::beast::flat_buffer buffer,
                                     boost::beast::http::request<boost::beast::http::string_body> first,
                                     HttpHandler handler, std::string remote, HttpServerOptions options = {});

}  // namespace outpost::net
