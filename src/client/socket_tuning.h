// Paho MQTT C opens its sockets without TCP_NODELAY and offers no option for it. With
// Nagle's algorithm on, a window of small QoS 1 publishes stalls: each write after the first
// waits for the peer's (delayed, up to 40 ms) TCP ACK. The client sets TCP_NODELAY itself on
// its process's TCP sockets connected to the server it dialled, once a connection is made.
#pragma once
#include <cstdint>

namespace outpost::client::detail {

// Sets TCP_NODELAY on every TCP socket of this process whose peer port is `port`; returns
// how many. Harmless on sockets that already have it, or that belong to another client of
// the same server.
int set_nodelay_on_sockets_to(std::uint16_t port);

}  // namespace outpost::client::detail
