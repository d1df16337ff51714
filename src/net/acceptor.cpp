#include "net_internal/acceptor.h"

#include <fmt/format.h>

#include "outpost/net/address.h"

namespace outpost::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<std::shared_ptr<boost::asio::ip::tcp::acceptor>> open_acceptor(boost::asio::io_context& io,
                                                                     std::string_view host_port) {
  auto address = parse_host_port(host_port);
  if (!address) return address.failure();
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address->host, ec);
  if (ec) return make_error(fmt::format("listen address '{}': not an IP address", address->host));
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  const tcp::endpoint endpoint(ip, address->port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(fmt::format("cannot listen on {}: {}", host_port, ec.message()));
  return acceptor;
}

}  // namespace outpost::net
