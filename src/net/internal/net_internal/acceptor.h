// Internal to outpost (target net_internal, see src/net/README.md): a listening TCP socket from a config-style "host:port" (IP literals only),
// with errors that name the address. Shared by the MQTT and HTTP servers.
#pragma once
#include <utility>

#include <memory>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outpost/core/result.h"

namespace outpost::net {

Result<std::shared_ptr<boost::asio::ip::tcp::acceptor>> open_acceptor(boost::asio::io_context& io,
                                                                     std::string_view host_port);

}  // namespace outpost::net
