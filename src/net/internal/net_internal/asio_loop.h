// Internal to outpost (target net_internal, see src/net/README.md): the Asio objects behind net::EventLoop and net::TlsServerContext.
#pragma once
#include <utility>  // g++ 12 needs it before Asio's awaitable

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include "outpost/net/event_loop.h"
#include "outpost/net/tls.h"

namespace outpost::net {

struct EventLoop::Impl {
  boost::asio::io_context io{1};
  std::unique_ptr<boost::asio::signal_set> signals;
  std::function<void(int)> on_signal;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
};

inline boost::asio::io_context& asio_context(EventLoop& loop) { return loop.impl().io; }

struct TlsServerContext::Impl {
  boost::asio::ssl::context ssl{boost::asio::ssl::context::tls_server};
};

inline boost::asio::ssl::context& ssl_context(TlsServerContext& tls) { return tls.impl().ssl; }

// What the client of an established TLS connection presented, if anything (tls.cpp).
std::optional<ClientCertificate> client_certificate_of(SSL* connection);

}  // namespace outpost::net
